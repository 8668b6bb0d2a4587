import { Select, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useParams } from 'react-router-dom';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { RecordFormLayout } from '../../../components/RecordFormLayout';
import { useRecordForm } from '../../../lib/recordForm';
import {
  EMPTY_ENGAGEMENT_FORM,
  ENGAGEMENT_FORM_FIELDS,
  engagementToCreate,
  engagementToForm,
  engagementToPatch,
  type EngagementFormValues,
} from '../forms';
import { AUDIT_QUERIES } from '../hooks';
import { CREATE_STATUSES, type Engagement } from '../types';

export function EngagementFormPage() {
  const { id } = useParams();
  const members = useMembers();
  const form = useRecordForm<Engagement, EngagementFormValues>({
    resource: 'engagements',
    id,
    permission: 'audits:write',
    invalidate: AUDIT_QUERIES,
    empty: EMPTY_ENGAGEMENT_FORM,
    toForm: engagementToForm,
    toCreate: engagementToCreate,
    toPatch: engagementToPatch,
  });
  const { values, set, editing } = form;
  const errs = mapApiErrors(form.save.error, ENGAGEMENT_FORM_FIELDS);

  return (
    <RecordFormLayout
      form={form}
      noun="engagement"
      title={editing ? `Edit engagement #${id}` : 'New engagement'}
      createLabel="Create engagement"
      back={editing ? `/engagements/${id}` : '/engagements'}
      formError={errs.form}
    >
      <TextInput
        label="Title"
        required
        maxLength={300}
        value={values.title}
        onChange={(e) => set('title', e.currentTarget.value)}
        error={errs.fields.title}
      />
      <Textarea
        label="Scope"
        description="What the engagement covers"
        autosize
        minRows={3}
        maxLength={10000}
        value={values.scope}
        onChange={(e) => set('scope', e.currentTarget.value)}
        error={errs.fields.scope}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Auditee"
          description="The team or function audited"
          maxLength={200}
          value={values.auditee}
          onChange={(e) => set('auditee', e.currentTarget.value)}
          error={errs.fields.auditee}
        />
        <Select
          label="Lead auditor"
          clearable
          searchable
          placeholder="Nobody yet"
          data={withCurrentOption(members.options, values.lead_auditor_id, `User #${values.lead_auditor_id}`)}
          value={values.lead_auditor_id || null}
          onChange={(v) => set('lead_auditor_id', v ?? '')}
          error={errs.fields.lead_auditor_id}
        />
        <TextInput
          label="Planned start"
          type="date"
          value={values.planned_start}
          onChange={(e) => set('planned_start', e.currentTarget.value)}
          error={errs.fields.planned_start}
        />
        <TextInput
          label="Planned end"
          type="date"
          value={values.planned_end}
          onChange={(e) => set('planned_end', e.currentTarget.value)}
          error={errs.fields.planned_end}
        />
        {!editing && (
          <Select
            label="Status"
            description="A new engagement starts in phase Planning"
            data={[...CREATE_STATUSES]}
            allowDeselect={false}
            value={values.status}
            onChange={(v) => v && set('status', v)}
            error={errs.fields.status}
          />
        )}
      </SimpleGrid>
    </RecordFormLayout>
  );
}
