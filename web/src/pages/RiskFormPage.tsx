import {
  Alert,
  Badge,
  Button,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../lib/api';
import { useAuth } from '../lib/auth';
import { mapApiErrors } from '../lib/fieldErrors';
import { RATING_COLORS, ratingOf } from '../lib/heatmap';
import { useMembers } from '../lib/hooks';
import {
  EMPTY_RISK_FORM,
  RISK_FORM_FIELDS,
  formToCreate,
  formToPatch,
  ifMatch,
  riskToForm,
  type RiskFormValues,
} from '../lib/riskForm';
import { RISK_STATUSES, type Risk } from '../lib/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { Loading } from '../components/Loading';

const SCALE = ['1', '2', '3', '4', '5'];

export function RiskFormPage() {
  const { id } = useParams();
  const editing = id !== undefined;
  const { can, status } = useAuth();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const members = useMembers();

  const existing = useQuery({
    queryKey: ['risks', 'one', id],
    queryFn: async () => (await api<Risk>(`/risks/${id}`)).data,
    enabled: editing,
  });

  const [values, setValues] = useState<RiskFormValues>(EMPTY_RISK_FORM);
  const [loadedVersion, setLoadedVersion] = useState<number | null>(null);
  useEffect(() => {
    if (existing.data && loadedVersion === null) {
      setValues(riskToForm(existing.data));
      setLoadedVersion(existing.data.version);
    }
  }, [existing.data, loadedVersion]);

  const save = useMutation({
    mutationFn: async () => {
      if (editing && existing.data) {
        const patch = formToPatch(values, existing.data);
        return (
          await api<Risk>(`/risks/${id}`, {
            method: 'PUT',
            body: patch,
            headers: { 'If-Match': ifMatch(loadedVersion ?? existing.data.version) },
          })
        ).data;
      }
      return (await api<Risk>('/risks', { method: 'POST', body: formToCreate(values) })).data;
    },
    onSuccess: (risk) => {
      qc.invalidateQueries({ queryKey: ['risks'] });
      qc.invalidateQueries({ queryKey: ['dashboard'] });
      qc.setQueryData(['risks', 'one', String(risk.id)], risk);
      navigate(`/risks/${risk.id}`);
    },
  });

  if (!status) return <Loading />;
  if (!can('risks:write')) return <Navigate to={editing ? `/risks/${id}` : '/risks'} replace />;
  if (editing && existing.isLoading) return <Loading />;
  if (editing && existing.error) return <ErrorAlert error={existing.error} title="Could not load the risk" />;

  const errs = mapApiErrors(save.error, RISK_FORM_FIELDS, { residual: 'residual_likelihood' });
  const conflict = save.error instanceof ApiError && save.error.code === 'CONFLICT';
  const set = <K extends keyof RiskFormValues>(k: K, v: RiskFormValues[K]) => setValues((s) => ({ ...s, [k]: v }));
  const score = Number(values.likelihood) * Number(values.impact);
  const residual =
    values.residual_likelihood && values.residual_impact
      ? Number(values.residual_likelihood) * Number(values.residual_impact)
      : null;

  const reload = async () => {
    const r = await existing.refetch();
    if (r.data) {
      setValues(riskToForm(r.data));
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

  return (
    <form onSubmit={submit} noValidate aria-labelledby="risk-form-title">
      <Stack maw={900}>
        <Title order={1} id="risk-form-title">
          {editing ? `Edit risk #${id}` : 'New risk'}
        </Title>
        {conflict ? (
          <Alert color="orange" role="alert" title="Someone else changed this risk">
            <Text size="sm" mb="xs">
              The risk was changed after you opened it, so your changes were not saved. Reload to see the current
              version (your unsaved edits will be replaced), then make your changes again.
            </Text>
            <Button size="xs" onClick={reload} loading={existing.isFetching}>
              Reload the risk
            </Button>
          </Alert>
        ) : (
          errs.form && (
            <Alert color="red" role="alert" title="Could not save">
              {errs.form}
            </Alert>
          )
        )}
        <TextInput
          label="Title"
          required
          maxLength={200}
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
          <TextInput
            label="Category"
            required
            maxLength={100}
            value={values.category}
            onChange={(e) => set('category', e.currentTarget.value)}
            error={errs.fields.category}
          />
          <Select
            label="Status"
            data={[...RISK_STATUSES]}
            allowDeselect={false}
            value={values.status}
            onChange={(v) => v && set('status', v as RiskFormValues['status'])}
            error={errs.fields.status}
          />
          <Select
            label="Likelihood (1-5)"
            required
            data={SCALE}
            allowDeselect={false}
            value={values.likelihood}
            onChange={(v) => v && set('likelihood', v)}
            error={errs.fields.likelihood}
          />
          <Select
            label="Impact (1-5)"
            required
            data={SCALE}
            allowDeselect={false}
            value={values.impact}
            onChange={(v) => v && set('impact', v)}
            error={errs.fields.impact}
          />
        </SimpleGrid>
        <Group gap="xs">
          <Text size="sm">Inherent score {score}</Text>
          <Badge color={RATING_COLORS[ratingOf(score)]}>{ratingOf(score)}</Badge>
        </Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Residual likelihood"
            description="Set both residual values, or neither"
            clearable
            placeholder="None"
            data={SCALE}
            value={values.residual_likelihood || null}
            onChange={(v) => set('residual_likelihood', v ?? '')}
            error={errs.fields.residual_likelihood}
          />
          <Select
            label="Residual impact"
            description="Set both residual values, or neither"
            clearable
            placeholder="None"
            data={SCALE}
            value={values.residual_impact || null}
            onChange={(v) => set('residual_impact', v ?? '')}
            error={errs.fields.residual_impact}
          />
        </SimpleGrid>
        {residual !== null && <Text size="sm">Residual score {residual}</Text>}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
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
          <TextInput
            label="Review date"
            type="date"
            value={values.review_date}
            onChange={(e) => set('review_date', e.currentTarget.value)}
            error={errs.fields.review_date}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={save.isPending}>
            {editing ? 'Save changes' : 'Create risk'}
          </Button>
          <Button variant="default" component={Link} to={editing ? `/risks/${id}` : '/risks'}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
