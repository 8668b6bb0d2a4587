import { Badge, Group, Select, SimpleGrid, Text, TextInput, Textarea } from '@mantine/core';
import { useParams } from 'react-router-dom';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { RATING_COLORS, ratingOf } from '../heatmap';
import { useMembers } from '../../../lib/hooks';
import { withCurrentOption } from '../../../lib/options';
import { useRecordForm } from '../../../lib/recordForm';
import { EMPTY_RISK_FORM, RISK_FORM_FIELDS, formToCreate, formToPatch, riskToForm, type RiskFormValues } from '../form';
import { RISK_STATUSES, type Risk } from '../types';
import { RecordFormLayout } from '../../../components/RecordFormLayout';

const SCALE = ['1', '2', '3', '4', '5'];

export function RiskFormPage() {
  const { id } = useParams();
  const members = useMembers();
  const form = useRecordForm<Risk, RiskFormValues>({
    resource: 'risks',
    id,
    empty: EMPTY_RISK_FORM,
    toForm: riskToForm,
    toCreate: formToCreate,
    toPatch: formToPatch,
    invalidate: ['risks', 'dashboard'],
  });
  const { values, set } = form;
  const errs = mapApiErrors(form.save.error, RISK_FORM_FIELDS, { residual: 'residual_likelihood' });
  const score = Number(values.likelihood) * Number(values.impact);
  const residual =
    values.residual_likelihood && values.residual_impact
      ? Number(values.residual_likelihood) * Number(values.residual_impact)
      : null;

  return (
    <RecordFormLayout
      form={form}
      noun="risk"
      title={form.editing ? `Edit risk #${id}` : 'New risk'}
      createLabel="Create risk"
      formError={errs.form}
    >
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
          data={withCurrentOption(members.options, values.owner_id, `User #${values.owner_id}`)}
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
    </RecordFormLayout>
  );
}
