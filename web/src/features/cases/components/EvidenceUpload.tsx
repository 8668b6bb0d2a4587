// Adding a file to a case: dropped on the zone or chosen with the file input (the way
// in for keyboard users), an optional description, then the upload with its progress.
import { Alert, Box, Button, Group, Progress, Stack, Text, Textarea } from '@mantine/core';
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { errorMessage, type ApiError } from '../../../lib/api';
import { useInvalidate } from '../../../lib/hooks';
import { formatBytes, shortHash } from '../format';
import { CASE_QUERIES } from '../hooks';
import type { Evidence } from '../types';
import { uploadFile, type Upload, type UploadProgress } from '../upload';

type State =
  | { kind: 'idle' }
  | { kind: 'uploading'; progress: UploadProgress }
  | { kind: 'done'; evidence: Evidence }
  | { kind: 'failed'; error: ApiError };

export function EvidenceUpload({ caseId }: { caseId: number }) {
  const done = useInvalidate(CASE_QUERIES);
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const upload = useRef<Upload | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [description, setDescription] = useState('');
  const [over, setOver] = useState(false);
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [note, setNote] = useState('');
  const busy = state.kind === 'uploading';

  // Leaving the page cancels an upload still on its way.
  useEffect(() => () => upload.current?.abort(), []);

  const choose = (f: File | null, moreDropped = false) => {
    if (busy) return;
    setFile(f);
    setState({ kind: 'idle' });
    setNote(moreDropped ? 'Only the first of the dropped files was taken; add the others one at a time.' : '');
  };
  const reset = () => {
    setFile(null);
    setNote('');
    setDescription('');
    if (inputRef.current) inputRef.current.value = '';
  };
  const start = () => {
    if (!file || busy) return;
    setState({ kind: 'uploading', progress: { loaded: 0, total: file.size, percent: 0 } });
    const u = uploadFile(`/cases/${caseId}/evidence`, file, description, (progress) =>
      setState((s) => (s.kind === 'uploading' ? { kind: 'uploading', progress } : s)),
    );
    upload.current = u;
    u.promise.then(
      (evidence) => {
        upload.current = null;
        setState({ kind: 'done', evidence });
        reset();
        done();
      },
      (error: ApiError) => {
        upload.current = null;
        setState({ kind: 'failed', error });
      },
    );
  };

  const onDrag = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    if (e.type === 'dragenter' || e.type === 'dragover') setOver(true);
    else if (e.type === 'dragleave') setOver(false);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setOver(false);
    const files = e.dataTransfer.files;
    if (files?.length) choose(files[0], files.length > 1);
  };

  return (
    <Stack gap="sm">
      <Box
        data-testid="evidence-drop-zone"
        onDragEnter={onDrag}
        onDragOver={onDrag}
        onDragLeave={onDrag}
        onDrop={onDrop}
        p="md"
        style={{
          border: `2px dashed ${over ? 'var(--mantine-color-indigo-9)' : 'var(--mantine-color-gray-5)'}`,
          borderRadius: 'var(--mantine-radius-md)',
          background: over ? 'var(--mantine-color-indigo-0)' : undefined,
        }}
      >
        <Stack gap={6}>
          <Text fw={600}>{over ? 'Drop the file to add it' : 'Drag a file here to add it as evidence'}</Text>
          <Group gap="xs">
            <Text size="sm" component="label" htmlFor={inputId}>
              or choose one:
            </Text>
            <input
              id={inputId}
              ref={inputRef}
              type="file"
              disabled={busy}
              onChange={(e) => choose(e.currentTarget.files?.[0] ?? null)}
            />
          </Group>
          <Text size="xs" c="dimmed">
            One file at a time. Its SHA-256 is recorded on upload and checked on every download.
          </Text>
        </Stack>
      </Box>

      {file && !busy && (
        <Stack gap="xs">
          {note && <Text size="sm">{note}</Text>}
          <Text size="sm">
            {'Selected: '}
            <b style={{ overflowWrap: 'anywhere' }}>{file.name}</b>
            {` (${formatBytes(file.size)})`}
          </Text>
          <Textarea
            label="File description"
            description="Optional: what the file is and where it comes from"
            autosize
            minRows={2}
            maxLength={1000}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
          />
          <Group>
            <Button onClick={start}>Upload file</Button>
            <Button variant="default" onClick={reset}>
              Clear
            </Button>
          </Group>
        </Stack>
      )}

      {state.kind === 'uploading' && (
        <Stack gap={4}>
          <Progress.Root size="lg">
            <Progress.Section value={state.progress.percent} aria-label={`Uploading ${file?.name ?? 'the file'}`} />
          </Progress.Root>
          <Group justify="space-between">
            <Text size="sm">{`Uploading: ${state.progress.percent}% of ${formatBytes(state.progress.total)}`}</Text>
            <Button size="xs" variant="default" onClick={() => upload.current?.abort()}>
              Cancel upload
            </Button>
          </Group>
        </Stack>
      )}
      {state.kind === 'done' && (
        // The bar stays full once the server has stored the file and answered.
        <Progress.Root size="lg">
          <Progress.Section value={100} color="#1e6b30" aria-label={`Uploaded ${state.evidence.file_name}`} />
        </Progress.Root>
      )}

      <div role="status" aria-live="polite">
        {state.kind === 'done' && (
          <Alert color="#1e6b30" title="File uploaded" p="xs">
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {`${state.evidence.file_name} (${formatBytes(state.evidence.size)}) is stored. SHA-256: ${shortHash(state.evidence.sha256)}`}
            </Text>
          </Alert>
        )}
      </div>
      {state.kind === 'failed' && (
        <Alert
          color="red"
          role="alert"
          title={state.error.code === 'PAYLOAD_TOO_LARGE' ? 'File too large' : 'Could not upload the file'}
        >
          {errorMessage(state.error)}
          {state.error.code === 'PAYLOAD_TOO_LARGE' ? ' Nothing was stored.' : ''}
        </Alert>
      )}
    </Stack>
  );
}
