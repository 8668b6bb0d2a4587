// What one event changed, a line per field: "field: before → after".
import { List, Text } from '@mantine/core';
import { useMembers } from '../../../lib/hooks';
import { changeLines } from '../rules';
import type { TrailRow } from '../types';

export function ChangeList({ changes }: { changes: TrailRow['changes'] }) {
  const members = useMembers();
  const lines = changeLines(changes, members.name);
  if (lines.length === 0) return <Text size="sm">—</Text>;
  return (
    <List size="sm" spacing={2} listStyleType="none" withPadding={false}>
      {lines.map((l) => (
        <List.Item key={l.field} style={{ overflowWrap: 'anywhere' }}>
          <Text span size="sm" fw={600}>
            {l.field}:
          </Text>{' '}
          {l.before} → {l.after}
        </List.Item>
      ))}
    </List>
  );
}
