import { Select, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useParams } from 'react-router-dom';
import {
  CONTROL_FORM_FIELDS,
  EMPTY_CONTROL_FORM,
  controlFormToCreate,
  controlFormToPatch,
  controlToForm,
  frequencyLabel,
  typeLabel,
  type ControlFormValues,
} from '../controls';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useMembers } from '../../../lib/hooks';
import { useFrameworkOptions } from '../hooks';
import { withCurrentOption } from '../../../lib/options';
import { useRecordForm } from '../../../lib/recordForm';
import { CONTROL_STATUSES, CONTROL_TYPES, FREQUENCIES, type Control } from '../types';
import { RecordFormLayout } from '../../../components/RecordFormLayout';

const TYPE_OPTIONS = CONTROL_TYPES.map((t) => ({ value: t, label: typeLabel(t) }));
const FREQUENCY_OPTIONS = FREQUENCIES.map((f) => ({ value: f, label: frequencyLabel(f) }));

export function ControlFormPage() {
  const { id } = useParams();
  const members = useMembers();
  const frameworks = useFrameworkOptions();
  const form = useRecordForm<Control, ControlFormValues>({
    resource: 'controls',
    id,
    empty: EMPTY_CONTROL_FORM,
    toForm: controlToForm,
    toCreate: controlFormToCreate,
    toPatch: controlFormToPatch,
    invalidate: ['controls', 'frameworks', 'dashboard'],
  });
  const { values, set, existing } = form;
  const errs = mapApiErrors(form.save.error, CONTROL_FORM_FIELDS);

  return (
    <RecordFormLayout
      form={form}
      noun="control"
      title={form.editing ? `Edit control ${existing.data?.code ?? `#${id}`}` : 'New control'}
      createLabel="Create control"
      formError={errs.form}
    >
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
          data={withCurrentOption(frameworks.options, values.framework_id, `Framework #${values.framework_id}`)}
          value={values.framework_id || null}
          onChange={(v) => set('framework_id', v ?? '')}
          error={errs.fields.framework_id}
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
