import {
  Alert,
  Anchor,
  Button,
  Card,
  FileInput,
  Group,
  List,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import {
  parseFrameworkFilters,
  serializeFrameworkFilters,
  toFrameworkApiQuery,
  type FrameworkFilters,
} from '../filters';
import { importContentType, importErrorsOf } from '../controls';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { usePagedList } from '../../../lib/hooks';
import type { Framework } from '../types';
import { FormAlert } from '../../../components/FormAlert';
import { FormModal } from '../../../components/FormModal';
import { DebouncedTextFilter } from '../../../components/ListFilters';
import { PagedTable } from '../../../components/PagedTable';

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
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="New framework"
      onSubmit={() => m.mutate()}
      submitLabel="Create framework"
      pending={m.isPending}
    >
      <FormAlert message={errs.form} title="Could not create the framework" />
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
    </FormModal>
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
  const submit = () => {
    if (!file) {
      setFileError('Choose a file to import.');
      return;
    }
    m.mutate(file);
  };
  return (
    <FormModal
      opened={opened}
      onClose={close}
      title="Import a framework"
      size="lg"
      onSubmit={submit}
      submitLabel="Import"
      pending={m.isPending}
    >
      <Text size="sm">
        A CSV file with a header row naming the columns <code>framework</code>, <code>version</code>, <code>code</code>,{' '}
        <code>title</code> (and optionally <code>description</code>, <code>framework_description</code>), or a JSON file{' '}
        <code>{'{name, version, description, requirements: [{code, title, description}]}'}</code>. Nothing is imported
        when any row is wrong.
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
    </FormModal>
  );
}

const COLUMNS = ['Name', 'Version', 'Requirements', 'Source', 'Updated'];

export function FrameworksListPage() {
  const [params, setParams] = useSearchParams();
  const filters = parseFrameworkFilters(params);
  const { can } = useAuth();
  const [newOpen, newModal] = useDisclosure(false);
  const [importOpen, importModal] = useDisclosure(false);

  const setFilters = (f: FrameworkFilters) => setParams(serializeFrameworkFilters(f));
  const list = usePagedList<Framework>('frameworks', toFrameworkApiQuery(filters));

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
        <DebouncedTextFilter
          label="Search"
          description="Name or description"
          maw={420}
          value={filters.q}
          onCommit={(q) => setFilters({ q, cursor: '', prev: [] })}
        />
      </Card>

      <PagedTable
        list={list}
        errorTitle="Could not load frameworks"
        noun="framework"
        filters={filters}
        onPage={setFilters}
        minWidth={600}
        columns={COLUMNS}
        empty="No frameworks."
        row={(f) => (
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
        )}
      />
      {can('controls:write') && (
        <>
          <NewFrameworkModal opened={newOpen} onClose={newModal.close} />
          <ImportModal opened={importOpen} onClose={importModal.close} />
        </>
      )}
    </Stack>
  );
}
