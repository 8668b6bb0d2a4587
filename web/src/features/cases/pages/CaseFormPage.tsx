import { Alert, Checkbox, Select, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useParams } from 'react-router-dom';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useRecordForm } from '../../../lib/recordForm';
import { RecordFormLayout } from '../../../components/RecordFormLayout';
import {
  CASE_FORM_FIELDS,
  EMPTY_CASE_FORM,
  LIMITS,
  caseToCreate,
  caseToForm,
  caseToPatch,
  type CaseFormValues,
} from '../forms';
import { CASE_QUERIES } from '../hooks';
import { frozenReason, labelled, priorityLabel } from '../rules';
import { PRIORITIES, type Case } from '../types';

export function CaseFormPage() {
  const { id } = useParams();
  const form = useRecordForm<Case, CaseFormValues>({
    resource: 'cases',
    id,
    permission: 'cases:write',
    invalidate: CASE_QUERIES,
    empty: EMPTY_CASE_FORM,
    toForm: caseToForm,
    toCreate: caseToCreate,
    toPatch: caseToPatch,
  });
  const { values, set, editing, existing } = form;
  const errs = mapApiErrors(form.save.error, CASE_FORM_FIELDS);
  const frozen = editing && existing.data ? frozenReason(existing.data) : null;

  return (
    <RecordFormLayout
      form={form}
      noun="case"
      title={editing ? `Edit case #${id}` : 'New case'}
      createLabel="Open case"
      formError={errs.form}
    >
      {frozen && (
        <Alert color="blue" title="The case is completed">
          {frozen}
        </Alert>
      )}
      <TextInput
        label="Title"
        required
        maxLength={LIMITS.title}
        disabled={!!frozen}
        value={values.title}
        onChange={(e) => set('title', e.currentTarget.value)}
        error={errs.fields.title}
      />
      <Textarea
        label="Description"
        description="What was reported, when and where"
        autosize
        minRows={3}
        maxLength={LIMITS.description}
        disabled={!!frozen}
        value={values.description}
        onChange={(e) => set('description', e.currentTarget.value)}
        error={errs.fields.description}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Type"
          description="For example fraud, misconduct, data breach"
          maxLength={LIMITS.type}
          disabled={!!frozen}
          value={values.type}
          onChange={(e) => set('type', e.currentTarget.value)}
          error={errs.fields.type}
        />
        <Select
          label="Priority"
          data={labelled(PRIORITIES, priorityLabel)}
          allowDeselect={false}
          disabled={!!frozen}
          value={values.priority}
          onChange={(v) => v && set('priority', v as CaseFormValues['priority'])}
          error={errs.fields.priority}
        />
        <TextInput
          label="Reporter"
          description="Who raised the matter; may be outside the organization"
          maxLength={LIMITS.reporter}
          disabled={!!frozen}
          value={values.reporter}
          onChange={(e) => set('reporter', e.currentTarget.value)}
          error={errs.fields.reporter}
        />
      </SimpleGrid>
      <Checkbox
        label="Confidential"
        description="Only admins, the assignee and whoever opened the case will know it exists."
        disabled={!!frozen}
        checked={values.confidential}
        onChange={(e) => set('confidential', e.currentTarget.checked)}
        error={errs.fields.confidential}
      />
    </RecordFormLayout>
  );
}
