import { Select, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useMemo } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useMembers } from '../../../lib/hooks';
import { positiveInt } from '../../../lib/listState';
import { withCurrentOption } from '../../../lib/options';
import { useRecordForm } from '../../../lib/recordForm';
import { RecordFormLayout } from '../../../components/RecordFormLayout';
import {
  EMPTY_KPI_FORM,
  KPI_FORM_FIELDS,
  LIMITS,
  frequencyLockedReason,
  kpiToCreate,
  kpiToForm,
  kpiToPatch,
  type KpiFormValues,
} from '../forms';
import { KPI_QUERIES, useObjectiveOptions } from '../hooks';
import { PERIOD_FORMATS } from '../periods';
import { directionLabel, frequencyLabel } from '../rules';
import { DIRECTIONS, FREQUENCIES, type Kpi } from '../types';

export function KpiFormPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  // A KPI added from an objective's page starts under that objective.
  const objectiveId = positiveInt(params.get('objective_id'));
  const empty = useMemo(() => ({ ...EMPTY_KPI_FORM, objective_id: objectiveId }), [objectiveId]);
  const form = useRecordForm<Kpi, KpiFormValues>({
    resource: 'kpis',
    id,
    permission: 'kpis:write',
    invalidate: KPI_QUERIES,
    empty,
    toForm: kpiToForm,
    toCreate: kpiToCreate,
    toPatch: kpiToPatch,
  });
  const { values, set, editing, existing } = form;
  const members = useMembers();
  const objectives = useObjectiveOptions();
  const errs = mapApiErrors(form.save.error, KPI_FORM_FIELDS);
  const frequencyLocked = editing ? frequencyLockedReason(existing.data) : null;

  return (
    <RecordFormLayout
      form={form}
      noun="KPI"
      title={editing ? `Edit KPI #${id}` : 'New KPI'}
      createLabel="Define KPI"
      back={editing ? undefined : objectiveId ? `/objectives/${objectiveId}` : '/kpis'}
      formError={errs.form}
    >
      <TextInput
        label="Name"
        required
        maxLength={LIMITS.name}
        value={values.name}
        onChange={(e) => set('name', e.currentTarget.value)}
        error={errs.fields.name}
      />
      <Textarea
        label="Description"
        description="What the KPI measures and how"
        autosize
        minRows={2}
        maxLength={LIMITS.description}
        value={values.description}
        onChange={(e) => set('description', e.currentTarget.value)}
        error={errs.fields.description}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Target"
          description="The value the KPI aims at"
          required
          inputMode="decimal"
          value={values.target}
          onChange={(e) => set('target', e.currentTarget.value)}
          error={errs.fields.target}
        />
        <TextInput
          label="Unit"
          description="What the values count, such as % or hours"
          maxLength={LIMITS.unit}
          value={values.unit}
          onChange={(e) => set('unit', e.currentTarget.value)}
          error={errs.fields.unit}
        />
        <Select
          label="Direction"
          description="Whether the target is a floor or a ceiling"
          required
          allowDeselect={false}
          data={DIRECTIONS.map((d) => ({ value: d, label: directionLabel(d) }))}
          value={values.direction}
          onChange={(v) => v && set('direction', v as KpiFormValues['direction'])}
          error={errs.fields.direction}
        />
        <Select
          label="Frequency"
          description={frequencyLocked ?? `Each value is for ${PERIOD_FORMATS[values.frequency]}`}
          allowDeselect={false}
          disabled={!!frequencyLocked}
          data={FREQUENCIES.map((f) => ({ value: f, label: frequencyLabel(f) }))}
          value={values.frequency}
          onChange={(v) => v && set('frequency', v as KpiFormValues['frequency'])}
          error={errs.fields.frequency}
        />
        <Select
          label="Objective"
          clearable
          searchable
          placeholder="No objective"
          data={withCurrentOption(objectives.options, values.objective_id, `Objective #${values.objective_id}`)}
          value={values.objective_id || null}
          onChange={(v) => set('objective_id', v ?? '')}
          error={errs.fields.objective_id}
        />
        <Select
          label="Owner"
          clearable
          searchable
          placeholder="No owner"
          data={withCurrentOption(members.options, values.owner_id, `User #${values.owner_id}`)}
          value={values.owner_id || null}
          onChange={(v) => set('owner_id', v ?? '')}
          error={errs.fields.owner_id}
        />
      </SimpleGrid>
    </RecordFormLayout>
  );
}
