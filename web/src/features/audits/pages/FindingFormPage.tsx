import { Alert, Select, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { controlLabel, type Control } from '../../controls';
import { RecordFormLayout } from '../../../components/RecordFormLayout';
import { useRecordForm } from '../../../lib/recordForm';
import { RecordPicker } from '../components/RecordPicker';
import {
  FINDING_FORM_FIELDS,
  findingFormFromQuery,
  findingToCreate,
  findingToForm,
  findingToPatch,
  type FindingFormValues,
} from '../forms';
import { AUDIT_QUERIES, useEngagementOptions } from '../hooks';
import { frozenReason, isFrozen } from '../rules';
import { SEVERITIES, type Finding } from '../types';

/** The name of a control the form only knows by id (from the link it was opened with). */
function useControlName(id: string, known: string | undefined) {
  const { can } = useAuth();
  const q = useQuery({
    queryKey: ['controls', 'one', id],
    queryFn: async () => (await api<Control>(`/controls/${id}`)).data,
    enabled: id !== '' && known === undefined && can('controls:read'),
    staleTime: 60_000,
  });
  return known ?? (q.data ? controlLabel(q.data) : `Control #${id}`);
}

export function FindingFormPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const members = useMembers();
  const engagements = useEngagementOptions(true);
  const form = useRecordForm<Finding, FindingFormValues>({
    resource: 'findings',
    id,
    permission: 'audits:write',
    invalidate: AUDIT_QUERIES,
    empty: findingFormFromQuery(params),
    toForm: findingToForm,
    toCreate: findingToCreate,
    toPatch: findingToPatch,
  });
  const { values, set, editing, existing } = form;
  const original = existing.data;
  const errs = mapApiErrors(form.save.error, FINDING_FORM_FIELDS);
  const status = editing && original ? original.status : 'Open';
  const frozen = frozenReason(status);
  const fromTest = values.source_test_id !== '';
  const controlName = useControlName(
    values.control_id,
    original?.control && String(original.control.id) === values.control_id
      ? `${original.control.code} — ${original.control.title}`
      : undefined,
  );
  const riskName =
    original?.risk && String(original.risk.id) === values.risk_id
      ? `#${original.risk.id} ${original.risk.title}`
      : `Risk #${values.risk_id}`;
  // A frozen field shows why it cannot change, in place of its usual help.
  const frozenHelp = (field: string, help?: string) => (isFrozen(field, status) ? (frozen ?? help) : help);

  return (
    <RecordFormLayout
      form={form}
      noun="finding"
      title={editing ? `Edit finding #${id}` : 'Raise a finding'}
      createLabel="Raise finding"
      back={editing ? `/findings/${id}` : values.engagement_id ? `/engagements/${values.engagement_id}` : '/findings'}
      formError={errs.form}
    >
      {frozen && (
        <Alert color="blue" title={`The finding is ${status}`}>
          {`Its title, description, severity and links are frozen while it is ${status}; reopen it to edit them. The assignee and due date stay editable.`}
        </Alert>
      )}
      {fromTest && !editing && (
        <Alert color="blue" title={`Raised from control test #${values.source_test_id}`}>
          The finding records the failed test it comes from; the control is the one the test checked.
        </Alert>
      )}
      <Select
        label="Engagement"
        description={
          editing ? 'Fixed when the finding was raised' : 'Engagements not Completed or Cancelled take new findings'
        }
        required
        searchable
        disabled={editing}
        data={withCurrentOption(
          engagements.options,
          values.engagement_id,
          original ? `#${original.engagement_id} ${original.engagement_title}` : `Engagement #${values.engagement_id}`,
        )}
        value={values.engagement_id || null}
        onChange={(v) => set('engagement_id', v ?? '')}
        error={errs.fields.engagement_id}
      />
      <TextInput
        label="Title"
        required
        maxLength={300}
        disabled={isFrozen('title', status)}
        description={frozenHelp('title')}
        value={values.title}
        onChange={(e) => set('title', e.currentTarget.value)}
        error={errs.fields.title}
      />
      <Textarea
        label="Description"
        autosize
        minRows={3}
        maxLength={10000}
        disabled={isFrozen('description', status)}
        description={frozenHelp('description', 'The condition found, its cause and effect')}
        value={values.description}
        onChange={(e) => set('description', e.currentTarget.value)}
        error={errs.fields.description}
      />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label="Severity"
          data={[...SEVERITIES]}
          allowDeselect={false}
          disabled={isFrozen('severity', status)}
          description={frozenHelp('severity')}
          value={values.severity}
          onChange={(v) => v && set('severity', v as FindingFormValues['severity'])}
          error={errs.fields.severity}
        />
        <RecordPicker
          resource="risks"
          label="Linked risk"
          value={values.risk_id}
          currentLabel={riskName}
          onChange={(v) => set('risk_id', v)}
          disabled={isFrozen('risk_id', status)}
          description={frozenHelp('risk_id', 'Optional: the risk the finding bears on')}
          error={errs.fields.risk_id}
        />
        <RecordPicker
          resource="controls"
          label="Linked control"
          value={values.control_id}
          currentLabel={controlName}
          onChange={(v) => set('control_id', v)}
          disabled={isFrozen('control_id', status) || (fromTest && !editing)}
          description={frozenHelp(
            'control_id',
            fromTest && !editing ? 'The control of the failed test' : 'Optional: the control the finding is about',
          )}
          error={errs.fields.control_id ?? errs.fields.source_test_id}
        />
        <Select
          label="Assigned to"
          description="Who remediates; they may submit the management response"
          clearable
          searchable
          placeholder="Nobody yet"
          data={withCurrentOption(members.options, values.assigned_to, `User #${values.assigned_to}`)}
          value={values.assigned_to || null}
          onChange={(v) => set('assigned_to', v ?? '')}
          error={errs.fields.assigned_to}
        />
        <TextInput
          label="Due date"
          type="date"
          value={values.due_date}
          onChange={(e) => set('due_date', e.currentTarget.value)}
          error={errs.fields.due_date}
        />
      </SimpleGrid>
    </RecordFormLayout>
  );
}
