// One file's chain of custody, oldest first: who uploaded, downloaded and verified it,
// when, from where, with which hash, and why (a download's reason).
import { Code, Stack, Text, Timeline } from '@mantine/core';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { Loading } from '../../../components/Loading';
import { useCustody } from '../hooks';
import type { CustodyEntry } from '../types';

const ACTION_LABELS: Record<string, string> = {
  uploaded: 'Uploaded',
  downloaded: 'Downloaded',
  verified: 'Verified',
};

/** "Verified: hash matches", "Downloaded". */
export function custodyLabel(e: Pick<CustodyEntry, 'action' | 'result'>): string {
  const label = ACTION_LABELS[e.action] ?? e.action;
  if (e.result === 'match') return `${label}: hash matches`;
  if (e.result === 'mismatch') return `${label}: hash mismatch`;
  return label;
}

export function CustodyTimeline({ caseId, evidenceId }: { caseId: number; evidenceId: number }) {
  const q = useCustody(caseId, evidenceId);
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorAlert error={q.error} title="Could not load the chain of custody" />;
  const entries = q.data ?? [];
  if (!entries.length) return <Text c="dimmed">No custody entries.</Text>;
  return (
    <Timeline active={entries.length} bulletSize={12} lineWidth={2}>
      {entries.map((e, i) => (
        <Timeline.Item key={`${e.at}-${i}`} title={<Text fw={600}>{custodyLabel(e)}</Text>}>
          <Stack gap={0}>
            <Text size="sm">
              {`${e.actor_name || `User #${e.actor_id}`} · `}
              <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>
              {e.ip ? ` · from ${e.ip}` : ''}
            </Text>
            {e.reason && <Text size="sm" style={{ overflowWrap: 'anywhere' }}>{`Reason: ${e.reason}`}</Text>}
            <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              SHA-256 <Code>{e.sha256}</Code>
            </Text>
            {e.user_agent && (
              <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {e.user_agent}
              </Text>
            )}
          </Stack>
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
