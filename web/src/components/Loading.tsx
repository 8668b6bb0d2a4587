import { Center, Loader, VisuallyHidden } from '@mantine/core';

export function Loading({ label = 'Loading' }: { label?: string }) {
  // The name is text inside the status region: an aria-label on the spinner's span,
  // which has no role, is not announced and fails accessibility checks.
  return (
    <Center p="xl" role="status" aria-live="polite">
      <Loader />
      <VisuallyHidden>{label}</VisuallyHidden>
    </Center>
  );
}
