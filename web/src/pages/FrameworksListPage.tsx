import {
  Alert,
  Anchor,
  Button,
  Card,
  FileInput,
  Group,
  List,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useDebouncedCallback, useDisclosure } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import {
  parseFrameworkFilters,
  serializeFrameworkFilters,
  toFrameworkApiQuery,
  type FrameworkFilters,
} from '../lib/controlFilters';
import { importContentType, importErrorsOf } from '../lib/controls';
import { mapApiErrors } from '../lib/fieldErrors';
import { hasPrevious, nextPage, pageNumber, previousPage } from '../lib/riskFilters';
import type { Framework, ListMeta } from '../lib/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';

function NewFrameworkModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const [description, setDescription] = useState('');
  const m = useMutation({
    mutationFn: async () =>
      (await api<Framework>('/frameworks', { method: 'POST', body: { name, version, description } })).data,
    onSuccess: (f) => {
      qc.invalidateQueries({ queryKey: ['frameworks'] });
      navigate(`/frameworks/${f.id}`);
    },
  });
  const errs = mapApiErrors(m.error, ['name', 'version', 'description']);
  const close = () => {
    m.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    m.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title="New framework" centered closeButtonProps={{ 'aria-label': 'Close' }}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {errs.form && (
            <Alert color="red" role="alert" title="Could not create the framework">
              {errs.form}
            </Alert>
          )}
          <TextInput
            label="Name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errs.fields.name}
          />
          <TextInput
            label="Version"
            description="Name and version together are unique"
            value={version}
            onChange={(e) => setVersion(e.currentTarget.value)}
            error={errs.fields.version}
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            maxLength={5000}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errs.fields.description}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={m.isPending}>
              Create framework
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ImportModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const m = useMutation({
    mutationFn: async (f: File) => {
      const contentType = importContentType(f.name);
      if (!contentType) throw new Error('Choose a .csv or .json file.');
      const text = await f.text();
      return (await api<Framework>('/frameworks/import', { method: 'POST', rawBody: { text, contentType } })).data;
    },
    onSuccess: (f) => {
      qc.invalidateQueries({ queryKey: ['frameworks'] });
      navigate(`/frameworks/${f.id}`);
    },
  });
  const lineErrors = importErrorsOf(m.error);
  const close = () => {
    m.reset();
    setFile(null);
    setFileError(null);
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!file) {
      setFileError('Choose a file to import.');
      return;
    }
    m.mutate(file);
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title="Import a framework"
      centered
      closeButtonProps={{ 'aria-label': 'Close' }}
      size="lg"
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <Text size="sm">
            A CSV file with a header row naming the columns <code>framework</code>, <code>version</code>,{' '}
            <code>code</code>, <code>title</code> (and optionally <code>description</code>,{' '}
            <code>framework_description</code>), or a JSON file{' '}
            <code>{'{name, version, description, requirements: [{code, title, description}]}'}</code>. Nothing is
            imported when any row is wrong.
          </Text>
          <FileInput
            label="Framework file"
            description=".csv or .json"
            placeholder="Choose a file"
            accept=".csv,.json"
            clearable
            clearButtonProps={{ 'aria-label': 'Clear the file' }}
            required
            value={file}
            onChange={(f) => {
              setFile(f);
              setFileError(null);
              m.reset();
            }}
            error={fileError}
          />
          {m.error ? (
            <Alert color="red" role="alert" title="The file was not imported">
              <Text size="sm">{m.error.message}</Text>
              {lineErrors.length > 0 && (
                <List size="sm" mt="xs" spacing={2} aria-label="Problems in the file">
                  {lineErrors.map((e) => (
                    <List.Item key={e.key}>
                      <b>{e.line !== null ? `Line ${e.line}` : e.key.replace(/_/g, ' ')}</b>: {e.message}
                    </List.Item>
                  ))}
                </List>
              )}
              {m.error instanceof ApiError && m.error.requestId && m.error.status >= 500 && (
                <Text size="xs">Request id {m.error.requestId}</Text>
              )}
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={m.isPending}>
              Import
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function FrameworksListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseFrameworkFilters(params);
  const { can } = useAuth();
  const [newOpen, newModal] = useDisclosure(false);
  const [importOpen, importModal] = useDisclosure(false);

  const setFilters = (f: FrameworkFilters) => setParams(serializeFrameworkFilters(f));
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  const debounced = useDebouncedCallback((v: string) => setFilters({ q: v.trim(), cursor: '', prev: [] }), 400);

  const apiQuery = toFrameworkApiQuery(filters);
  const list = useQuery({
    queryKey: ['frameworks', 'list', apiQuery.toString()],
    queryFn: () => api<Framework[], ListMeta>('/frameworks', { query: apiQuery }),
    placeholderData: keepPreviousData,
  });
  const rows = list.data?.data ?? [];
  const meta = list.data?.meta;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>Frameworks</Title>
        {can('controls:write') && (
          <Group>
            <Button onClick={newModal.open}>New framework</Button>
            <Button variant="outline" onClick={importModal.open}>
              Import
            </Button>
          </Group>
        )}
      </Group>

      <Card withBorder component="section" aria-label="Search">
        <TextInput
          label="Search"
          description="Name or description"
          maw={420}
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
            debounced(e.currentTarget.value);
          }}
        />
      </Card>

      <ErrorAlert error={list.error} title="Could not load frameworks" />
      {list.isLoading ? (
        <Loading />
      ) : (
        <>
          <Text size="sm" c="dimmed" aria-live="polite">
            {meta ? `${meta.total} framework${meta.total === 1 ? '' : 's'} · page ${pageNumber(filters)}` : ''}
            {list.isFetching ? ' · updating…' : ''}
          </Text>
          <Table.ScrollContainer minWidth={600}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Version</Table.Th>
                  <Table.Th scope="col">Requirements</Table.Th>
                  <Table.Th scope="col">Source</Table.Th>
                  <Table.Th scope="col">Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={5}>
                      <Text c="dimmed">No frameworks.</Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {rows.map((f) => (
                  <Table.Tr key={f.id}>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>
                      <Anchor component={Link} to={`/frameworks/${f.id}`}>
                        {f.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{f.version || '—'}</Table.Td>
                    <Table.Td>{f.requirement_count}</Table.Td>
                    <Table.Td>{f.source === 'import' ? 'Imported' : 'Entered'}</Table.Td>
                    <Table.Td>{new Date(f.updated_at).toLocaleString()}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between">
            <Button
              variant="default"
              disabled={!hasPrevious(filters)}
              onClick={() => setFilters(previousPage(filters))}
            >
              Previous
            </Button>
            <Button
              variant="default"
              disabled={!meta?.next_cursor}
              onClick={() => meta?.next_cursor && setFilters(nextPage(filters, meta.next_cursor))}
            >
              Next
            </Button>
          </Group>
        </>
      )}
      {can('controls:write') && (
        <>
          <NewFrameworkModal opened={newOpen} onClose={newModal.close} />
          <ImportModal opened={importOpen} onClose={importModal.close} />
        </>
      )}
    </Stack>
  );
}
