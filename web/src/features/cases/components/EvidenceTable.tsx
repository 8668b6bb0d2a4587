// A case's files: name, size, hash, who uploaded them and when, their integrity, and per
// file a download (asking for an optional reason), a verification and the chain of custody.
import { Anchor, Button, CopyButton, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { api } from '../../../lib/api';
import { useInvalidate } from '../../../lib/hooks';
import { DataTable } from '../../../components/DataTable';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { FormModal } from '../../../components/FormModal';
import { formatBytes, shortHash } from '../format';
import { CASE_QUERIES } from '../hooks';
import { downloadHref } from '../rules';
import type { Evidence, Verification } from '../types';
import { IntegrityBadge } from './CaseBadges';
import { CustodyTimeline } from './CustodyTimeline';

const COLUMNS = ['File', 'Size', 'SHA-256', 'Uploaded', 'Integrity', 'Actions'];

/** Starts the browser's download of `href` (the server answers with an attachment). */
function startDownload(href: string) {
  const a = document.createElement('a');
  a.href = href;
  a.download = '';
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function DownloadDialog({
  caseId,
  evidence,
  onClose,
}: {
  caseId: number;
  evidence: Evidence | null;
  onClose: () => void;
}) {
  const done = useInvalidate(CASE_QUERIES);
  const [reason, setReason] = useState('');
  const close = () => {
    setReason('');
    onClose();
  };
  return (
    <FormModal
      opened={evidence !== null}
      onClose={close}
      title={`Download ${evidence?.file_name ?? ''}`}
      submitLabel="Download"
      pending={false}
      onSubmit={() => {
        if (!evidence) return;
        startDownload(downloadHref(caseId, evidence.id, reason));
        close();
        // The download is recorded as the server sends it: read the custody again then.
        window.setTimeout(done, 1500);
      }}
    >
      <Text size="sm">
        The download is recorded in the file&apos;s chain of custody with your name, address and the reason you give.
        The server checks the file&apos;s hash as it sends it.
      </Text>
      <TextInput
        label="Reason"
        description="Optional: why the file is needed"
        maxLength={1000}
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        data-autofocus
      />
    </FormModal>
  );
}

function VerifyButton({ caseId, evidence }: { caseId: number; evidence: Evidence }) {
  const done = useInvalidate(CASE_QUERIES);
  const m = useMutation({
    mutationFn: async () =>
      (await api<Verification>(`/cases/${caseId}/evidence/${evidence.id}/verify`, { method: 'POST' })).data,
    onSuccess: done,
  });
  return (
    <Stack gap={2} align="flex-start">
      <Button
        size="xs"
        variant="default"
        loading={m.isPending}
        onClick={() => m.mutate()}
        aria-label={`Verify ${evidence.file_name}`}
      >
        Verify
      </Button>
      <Text size="xs" aria-live="polite" fw={m.data?.result === 'mismatch' ? 700 : undefined}>
        {m.data
          ? m.data.result === 'match'
            ? 'Match: the stored file is intact'
            : `Mismatch: the stored file hashes to ${shortHash(m.data.actual)}`
          : ''}
      </Text>
      <ErrorAlert error={m.error} title="Could not verify" />
    </Stack>
  );
}

function HashCell({ e }: { e: Evidence }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Text
        component="abbr"
        size="sm"
        ff="monospace"
        title={e.sha256}
        data-sha256={e.sha256}
        style={{ textDecoration: 'none' }}
      >
        {shortHash(e.sha256)}
      </Text>
      <CopyButton value={e.sha256}>
        {({ copied, copy }) => (
          <Button size="compact-xs" variant="subtle" onClick={copy} aria-label={`Copy the SHA-256 of ${e.file_name}`}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/** `canVerify`: verifying records a check in the custody, a write (cases:write). */
export function EvidenceTable({
  caseId,
  evidence,
  canVerify,
}: {
  caseId: number;
  evidence: Evidence[];
  canVerify: boolean;
}) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const [downloading, setDownloading] = useState<Evidence | null>(null);
  const toggle = (id: number) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <DataTable minWidth={960} columns={COLUMNS} empty={evidence.length === 0 && 'No evidence yet.'}>
        {evidence.map((e) => {
          const custodyId = `custody-${e.id}`;
          const shown = open.has(e.id);
          return (
            <Fragment key={e.id}>
              <Table.Tr data-evidence-id={e.id}>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>
                  <Text size="sm" fw={600}>
                    {e.file_name}
                  </Text>
                  {e.description && (
                    <Text size="xs" c="dimmed">
                      {e.description}
                    </Text>
                  )}
                  <Text size="xs" c="dimmed">
                    {e.content_type || 'application/octet-stream'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" title={`${e.size} bytes`}>
                    {formatBytes(e.size)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <HashCell e={e} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{e.uploaded_by_name || `User #${e.uploaded_by}`}</Text>
                  <Text size="xs" c="dimmed" component="time" dateTime={e.uploaded_at}>
                    {new Date(e.uploaded_at).toLocaleString()}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <IntegrityBadge value={e.integrity} />
                  {e.last_verified_at && (
                    <Text size="xs" c="dimmed">
                      {`Checked ${new Date(e.last_verified_at).toLocaleString()}`}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" align="flex-start" wrap="wrap">
                    <Button size="xs" onClick={() => setDownloading(e)} aria-label={`Download ${e.file_name}`}>
                      Download
                    </Button>
                    {canVerify && <VerifyButton caseId={caseId} evidence={e} />}
                    <Button
                      size="xs"
                      variant="subtle"
                      aria-expanded={shown}
                      aria-controls={shown ? custodyId : undefined}
                      onClick={() => toggle(e.id)}
                      aria-label={`${shown ? 'Hide custody' : 'Custody'} of ${e.file_name}`}
                    >
                      {shown ? 'Hide custody' : 'Custody'}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
              {shown && (
                <Table.Tr>
                  <Table.Td colSpan={COLUMNS.length} id={custodyId}>
                    <Text size="sm" fw={600} mb="xs">
                      {`Chain of custody of ${e.file_name} (${e.download_count} download${e.download_count === 1 ? '' : 's'})`}
                    </Text>
                    <CustodyTimeline caseId={caseId} evidenceId={e.id} />
                  </Table.Td>
                </Table.Tr>
              )}
            </Fragment>
          );
        })}
      </DataTable>
      <Anchor href={`/api/cases/${caseId}/custody.csv`} download size="sm">
        Export custody (CSV)
      </Anchor>
      <DownloadDialog caseId={caseId} evidence={downloading} onClose={() => setDownloading(null)} />
    </>
  );
}
