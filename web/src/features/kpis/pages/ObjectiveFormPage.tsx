import { Select, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useParams } from 'react-router-dom';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { useRecordForm } from '../../../lib/recordForm';
import { RecordFormLayout } from '../../../components/RecordFormLayout';
import {
  EMPTY_OBJECTIVE_FORM,
  LIMITS,
  OBJECTIVE_FORM_FIELDS,
  objectiveToCreate,
  objectiveToForm,
  objectiveToPatch,
  type ObjectiveFormValues,
} from '../forms';
import { KPI_QUERIES } from '../hooks';
import type { Objective } from '../types';

export function ObjectiveFormPage() {
  const { id } = useParams();
  const form = useRecordForm<Objective, ObjectiveFormValues>({
    resource: 'objectives',
    id,
    permission: 'kpis:write',
    invalidate: KPI_QUERIES,
    empty: EMPTY_OBJECTIVE_FORM,
    toForm: objectiveToForm,
    toCreate: objectiveToCreate,
    toPatch: objectiveToPatch,
  });
  const { values, set, editing } = form;
  const members = useMembers();
  const errs = mapApiErrors(form.save.error, OBJECTIVE_FORM_FIELDS);

  return (
    <RecordFormLayout
      form={form}
      noun="objective"
      title={editing ? `Edit objective #${id}` : 'New objective'}
      createLabel="Set objective"
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
        description="What the objective aims at, and why"
        autosize
        minRows={2}
        maxLength={LIMITS.description}
        value={values.description}
        onChange={(e) => set('description', e.currentTarget.value)}
        error={errs.fields.description}
      />
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
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
        <TextInput
          label="Starts"
          type="date"
          value={values.period_start}
          onChange={(e) => set('period_start', e.currentTarget.value)}
          error={errs.fields.period_start}
        />
        <TextInput
          label="Ends"
          type="date"
          min={values.period_start || undefined}
          value={values.period_end}
          onChange={(e) => set('period_end', e.currentTarget.value)}
          error={errs.fields.period_end}
        />
      </SimpleGrid>
    </RecordFormLayout>
  );
}
