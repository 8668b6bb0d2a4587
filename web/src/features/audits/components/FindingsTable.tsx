// Rows of findings, shared by the findings list and an engagement's findings. An overdue
// finding's row is tinted and says "Overdue" in words, so colour is never the only sign.
import { Anchor, Group, Table, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import type { Finding } from '../types';
import { FindingStatusBadge, OverdueBadge, SeverityBadge } from './AuditBadges';

/** The column headings of FindingRow's cells. */
export function findingColumns(withEngagement = false): string[] {
  return [
    'ID',
    'Title',
    ...(withEngagement ? ['Engagement'] : []),
    'Severity',
    'Status',
    'Assigned to',
    'Due',
    'Response',
  ];
}

export function FindingRow({
  finding: f,
  name,
  withEngagement = false,
}: {
  finding: Finding;
  name: (id: number | null) => string;
  /** Adds the engagement cell (the findings list; an engagement's own list leaves it out). */
  withEngagement?: boolean;
}) {
  return (
    <Table.Tr data-overdue={f.overdue || undefined} bg={f.overdue ? 'red.0' : undefined}>
      <Table.Td>{f.id}</Table.Td>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>
        <Anchor component={Link} to={`/findings/${f.id}`}>
          {f.title}
        </Anchor>
      </Table.Td>
      {withEngagement && (
        <Table.Td style={{ overflowWrap: 'anywhere' }}>
          <Anchor component={Link} to={`/engagements/${f.engagement_id}`}>
            {f.engagement_title || `Engagement #${f.engagement_id}`}
          </Anchor>
        </Table.Td>
      )}
      <Table.Td>
        <SeverityBadge value={f.severity} />
      </Table.Td>
      <Table.Td>
        <FindingStatusBadge value={f.status} />
      </Table.Td>
      <Table.Td>{name(f.assigned_to)}</Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Text size="sm">{f.due_date ?? '—'}</Text>
          {f.overdue && <OverdueBadge />}
        </Group>
      </Table.Td>
      <Table.Td>{f.management_response ? 'Submitted' : 'None yet'}</Table.Td>
    </Table.Tr>
  );
}
