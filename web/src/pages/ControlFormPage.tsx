import { Alert, Button, Group, Select, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import {
  CONTROL_FORM_FIELDS,
  EMPTY_CONTROL_FORM,
  controlFormToCreate,
  controlFormToPatch,
  controlToForm,
  frequencyLabel,
  typeLabel,
  type ControlFormValues,
} from '../lib/controls';
import { mapApiErrors } from '../lib/fieldErrors';
import { useFrameworkOptions, useMembers } from '../lib/hooks';
import { ifMatch } from '../lib/riskForm';
import { CONTROL_STATUSES, CONTROL_TYPES, FREQUENCIES, type Control } from '../lib/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';

const TYPE_OPTIONS = CONTROL_TYPES.map((t) => ({ value: t, label: typeLabel(t) }));
const FREQUENCY_OPTIONS = FREQUENCIES.map((f) => ({ value: f, label: frequencyLabel(f) }));

export function ControlFormPage() {
  const { id } = useParams();
  const editing = id !== undefined;
  const { can, status } = useAuth();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const members = useMembers();
  const frameworks = useFrameworkOptions();

  const existing = useQuery({
    queryKey: ['controls', 'one', id],
    queryFn: async () => (await api<Control>(`/controls/${id}`)).data,
    enabled: editing,
  });

  const [values, setValues] = useState<ControlFormValues>(EMPTY_CONTROL_FORM);
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  useEffect(() => {
    if (existing.data && loadedVersion === null) {
      setValues(controlToForm(existing.data));
      setLoadedVersion(existing.data.version);
    }
  }, [existing.data, loadedVersion]);

  const save = useMutation({
    mutationFn: async () => {
      if (editing && existing.data) {
        return (
          await api<Control>(`/controls/${id}`, {
            method: 'PUT',
            body: controlFormToPatch(values, existing.data),
            headers: { 'If-Match': ifMatch(loadedVersion ?? existing.data.version) },
          })
        ).data;
      }
      return (await api<Control>('/controls', { method: 'POST', body: controlFormToCreate(values) })).data;
    },
    onSuccess: (control) => {
      qc.invalidateQueries({ queryKey: ['controls'] });
      qc.invalidateQueries({ queryKey: ['frameworks'] });
      qc.invalidateQueries({ queryKey: ['dashboard'] });
      qc.setQueryData(['controls', 'one', String(control.id)], control);
      navigate(`/controls/${control.id}`);
    },
  });

  if (!status) return <Loading />;
  if (!can('controls:write')) return <Navigate to={editing ? `/controls/${id}` : '/controls'} replace />;
  if (editing && existing.isLoading) return <Loading />;
  if (editing && existing.error) return <ErrorAlert error={existing.error} title="Could not load the control" />;

  const errs = mapApiErrors(save.error, CONTROL_FORM_FIELDS);
  const conflict = save.error instanceof ApiError && save.error.code === 'CONFLICT';
  const set = <K extends keyof ControlFormValues>(k: K, v: ControlFormValues[K]) =>
    setValues((s) => ({ ...s, [k]: v }));

  const reload = async () => {
    const r = await existing.refetch();
    if (r.data) {
      setValues(controlToForm(r.data));
      setLoadedVersion(r.data.version);
      save.reset();
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };

  const ownerOptions =
    values.owner_id && !members.options.some((o) => o.value === values.owner_id)
      ? [...members.options, { value: values.owner_id, label: `User #${values.owner_id}` }]
      : members.options;
  const frameworkOptions =
    values.framework_id && !frameworks.options.some((o) => o.value === values.framework_id)
      ? [...frameworks.options, { value: values.framework_id, label: `Framework #${values.framework_id}` }]
      : frameworks.options;

  return (
    <form onSubmit={submit} noValidate aria-labelledby="control-form-title">
      <Stack maw={900}>
        <Title order={1} id="control-form-title">
          {editing ? `Edit control ${existing.data?.code ?? `#${id}`}` : 'New control'}
        </Title>
        {conflict ? (
          <Alert color="orange" role="alert" title="Someone else changed this control">
            <Text size="sm" mb="xs">
              The control was changed after you opened it, so your changes were not saved. Reload to see the current
              version (your unsaved edits will be replaced), then make your changes again.
            </Text>
            <Button size="xs" onClick={reload} loading={existing.isFetching}>
              Reload the control
            </Button>
          </Alert>
        ) : (
          errs.form && (
            <Alert color="red" role="alert" title="Could not save">
              {errs.form}
            </Alert>
          )
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Code"
            description="Unique in the organization, for example AC-01"
            required
            maxLength={50}
            value={values.code}
            onChange={(e) => set('code', e.currentTarget.value)}
            error={errs.fields.code}
          />
          <Select
            label="Status"
            data={[...CONTROL_STATUSES]}
            allowDeselect={false}
            value={values.status}
            onChange={(v) => v && set('status', v as ControlFormValues['status'])}
            error={errs.fields.status}
          />
        </SimpleGrid>
        <TextInput
          label="Title"
          required
          maxLength={300}
          value={values.title}
          onChange={(e) => set('title', e.currentTarget.value)}
          error={errs.fields.title}
        />
        <Textarea
          label="Description"
          autosize
          minRows={3}
          maxLength={10000}
          value={values.description}
          onChange={(e) => set('description', e.currentTarget.value)}
          error={errs.fields.description}
        />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Type"
            required
            data={TYPE_OPTIONS}
            allowDeselect={false}
            value={values.type}
            onChange={(v) => v && set('type', v as ControlFormValues['type'])}
            error={errs.fields.type}
          />
          <Select
            label="Frequency"
            required
            data={FREQUENCY_OPTIONS}
            allowDeselect={false}
            value={values.frequency}
            onChange={(v) => v && set('frequency', v as ControlFormValues['frequency'])}
            error={errs.fields.frequency}
          />
          <Select
            label="Framework"
            description="The framework the control mainly belongs to (optional)"
            clearable
            searchable
            placeholder="None"
            data={frameworkOptions}
            value={values.framework_id || null}
            onChange={(v) => set('framework_id', v ?? '')}
            error={errs.fields.framework_id}
          />
          <Select
            label="Owner"
            clearable
            searchable
            placeholder="No owner"
            data={ownerOptions}
            value={values.owner_id || null}
            onChange={(v) => set('owner_id', v ?? '')}
            error={errs.fields.owner_id}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={save.isPending}>
            {editing ? 'Save changes' : 'Create control'}
          </Button>
          <Button variant="default" component={Link} to={editing ? `/controls/${id}` : '/controls'}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
