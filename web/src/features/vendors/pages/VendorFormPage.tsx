import { Select, SimpleGrid, TextInput, Textarea } from '@mantine/core';
import { useParams } from 'react-router-dom';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useRecordForm } from '../../../lib/recordForm';
import { RecordFormLayout } from '../../../components/RecordFormLayout';
import { RiskLinksPicker } from '../components/RiskLinksPicker';
import {
  EMPTY_VENDOR_FORM,
  LIMITS,
  VENDOR_FORM_FIELDS,
  tierChanges,
  vendorToCreate,
  vendorToForm,
  vendorToPatch,
  type VendorFormValues,
} from '../forms';
import { VENDOR_QUERIES } from '../hooks';
import { criticalityLabel, labelled, statusLabel } from '../rules';
import { CRITICALITIES, RISK_TIERS, VENDOR_STATUSES, type Vendor } from '../types';

export function VendorFormPage() {
  const { id } = useParams();
  const form = useRecordForm<Vendor, VendorFormValues>({
    resource: 'vendors',
    id,
    permission: 'vendors:write',
    invalidate: VENDOR_QUERIES,
    empty: EMPTY_VENDOR_FORM,
    toForm: vendorToForm,
    toCreate: vendorToCreate,
    toPatch: vendorToPatch,
  });
  const { values, set, editing, existing } = form;
  const errs = mapApiErrors(form.save.error, VENDOR_FORM_FIELDS);
  const retiers = editing && tierChanges(values, existing.data);

  return (
    <RecordFormLayout
      form={form}
      noun="vendor"
      title={editing ? `Edit vendor #${id}` : 'New vendor'}
      createLabel="Add vendor"
      formError={errs.form}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <TextInput
          label="Name"
          description="Unique in the organization, whatever the case"
          required
          maxLength={LIMITS.name}
          value={values.name}
          onChange={(e) => set('name', e.currentTarget.value)}
          error={errs.fields.name}
        />
        <TextInput
          label="Service"
          description="What the vendor provides"
          maxLength={LIMITS.service}
          value={values.service}
          onChange={(e) => set('service', e.currentTarget.value)}
          error={errs.fields.service}
        />
        <Select
          label="Risk tier"
          description={editing ? 'A change of tier asks for a reason' : 'How risky the relationship is'}
          allowDeselect={false}
          data={[...RISK_TIERS]}
          value={values.risk_tier}
          onChange={(v) => v && set('risk_tier', v as VendorFormValues['risk_tier'])}
          error={errs.fields.risk_tier}
        />
        <Select
          label="Criticality"
          description="How much the business leans on the vendor"
          allowDeselect={false}
          data={labelled(CRITICALITIES, criticalityLabel)}
          value={values.criticality}
          onChange={(v) => v && set('criticality', v as VendorFormValues['criticality'])}
          error={errs.fields.criticality}
        />
      </SimpleGrid>
      {retiers && (
        <Textarea
          label="Reason for the new tier"
          description={`Required: why the vendor moves from ${existing.data?.risk_tier} to ${values.risk_tier}; kept in the tier history.`}
          required
          autosize
          minRows={2}
          maxLength={LIMITS.reason}
          value={values.reason}
          onChange={(e) => set('reason', e.currentTarget.value)}
          error={errs.fields.reason}
        />
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label="Status"
          allowDeselect={false}
          data={labelled(VENDOR_STATUSES, statusLabel)}
          value={values.status}
          onChange={(v) => v && set('status', v as VendorFormValues['status'])}
          error={errs.fields.status}
        />
        <TextInput
          label="Next review"
          type="date"
          value={values.next_review}
          onChange={(e) => set('next_review', e.currentTarget.value)}
          error={errs.fields.next_review}
        />
        <TextInput
          label="Contact name"
          maxLength={LIMITS.contact_name}
          value={values.contact_name}
          onChange={(e) => set('contact_name', e.currentTarget.value)}
          error={errs.fields.contact_name}
        />
        <TextInput
          label="Contact email"
          type="email"
          maxLength={LIMITS.contact_email}
          value={values.contact_email}
          onChange={(e) => set('contact_email', e.currentTarget.value)}
          error={errs.fields.contact_email}
        />
      </SimpleGrid>
      <RiskLinksPicker
        key={existing.data?.version ?? 'new'}
        value={values.risk_ids}
        onChange={(ids) => set('risk_ids', ids)}
        known={existing.data?.risks ?? []}
        error={errs.fields.risk_ids}
      />
    </RecordFormLayout>
  );
}
