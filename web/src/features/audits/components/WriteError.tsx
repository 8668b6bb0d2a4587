import { Alert, Button, Text } from '@mantine/core';
import { errorMessage, isConflict } from '../../../lib/api';

/**
 * The answer to a failed write on a page: a 409 says someone else changed the record
 * and offers to reload it; anything else shows the server's message.
 */
export function WriteError({
  error,
  noun,
  onReload,
  title = 'Could not save',
}: {
  error: unknown;
  /** "engagement", "finding", "procedure". */
  noun: string;
  onReload: () => void;
  title?: string;
}) {
  if (!error) return null;
  if (isConflict(error)) {
    return (
      <Alert color="orange" role="alert" title={`Someone else changed this ${noun}`}>
        <Text size="sm" mb="xs">
          {`The ${noun} was changed after this page loaded, so nothing was saved. Reload it, then try again.`}
        </Text>
        <Button size="xs" onClick={onReload}>
          {`Reload the ${noun}`}
        </Button>
      </Alert>
    );
  }
  return (
    <Alert color="red" role="alert" title={title}>
      {errorMessage(error)}
    </Alert>
  );
}
