import { Alert, Button, Text } from '@mantine/core';
import { errorMessage, isConflict } from '../../../lib/api';

/**
 * The answer to a failed write in a dialog of the vendor page: a 409 says someone else
 * changed the vendor and offers to reload it; anything else shows the server's message.
 */
export function WriteError({ error, onReload, title }: { error: unknown; onReload: () => void; title: string }) {
  if (!error) return null;
  if (isConflict(error)) {
    return (
      <Alert color="#a63a0c" role="alert" title="Someone else changed this vendor">
        <Text size="sm" mb="xs">
          The vendor was changed after this page loaded, so nothing was saved. Reload it, then try again.
        </Text>
        <Button size="xs" onClick={onReload}>
          Reload the vendor
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
