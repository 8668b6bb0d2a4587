import { Alert } from '@mantine/core';

/** The form-level message of a failed submit (see mapApiErrors); nothing when there is none. */
export function FormAlert({ message, title }: { message: string | null; title?: string }) {
  if (!message) return null;
  return (
    <Alert color="red" role="alert" title={title}>
      {message}
    </Alert>
  );
}
