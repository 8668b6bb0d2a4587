import { Button } from '@mantine/core';

/** The small red "Unmap" button of a mapping row; `label` names what is unmapped, for screen readers. */
export function UnmapButton({ label, onClick, loading }: { label: string; onClick: () => void; loading: boolean }) {
  return (
    <Button size="compact-xs" variant="subtle" color="red" onClick={onClick} loading={loading} aria-label={label}>
      Unmap
    </Button>
  );
}
