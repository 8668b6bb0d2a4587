// Recording a periodic review of a vendor: the date, the decision, the tier it leaves the
// vendor in (moving it needs notes saying why, which the tier history keeps), and when
// the next review is due.
import { Button, Select, SimpleGrid, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api, ifMatch } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { useInvalidate } from '../../../lib/hooks';
import { FormModal } from '../../../components/FormModal';
import { LIMITS, REVIEW_FORM_FIELDS, emptyReview, isoDay, reviewToBody, type ReviewFormValues } from '../forms';
import { VENDOR_QUERIES } from '../hooks';
import { decisionLabel, labelled } from '../rules';
import { DECISIONS, RISK_TIERS, type Vendor } from '../types';
import { WriteError } from './WriteError';

export function ReviewVendor({ vendor }: { vendor: Vendor }) {
  const done = useInvalidate(VENDOR_QUERIES);
  const today = isoDay(new Date());
  const [opened, setOpened] = useState(false);
  const [values, setValues] = useState<ReviewFormValues>(() => emptyReview(vendor, today));
  const set = <K extends keyof ReviewFormValues>(k: K, v: ReviewFormValues[K]) => setValues((s) => ({ ...s, [k]: v }));
  const m = useMutation({
    mutationFn: () =>
      api<Vendor>(`/vendors/${vendor.id}/reviews`, {
        method: 'POST',
        body: reviewToBody(values, vendor, today),
        headers: { 'If-Match': ifMatch(vendor.version) },
      }),
    onSuccess: () => {
      done();
      setOpened(false);
    },
  });
  const open = () => {
    m.reset();
    setValues(emptyReview(vendor, today));
    setOpened(true);
  };
  const close = () => {
    setOpened(false);
    m.reset();
  };
  const errs = mapApiErrors(m.error, REVIEW_FORM_FIELDS);
  const retiers = values.risk_tier !== vendor.risk_tier;
  const validation = m.error instanceof ApiError && m.error.code === 'VALIDATION_ERROR' && !errs.form;

  return (
    <>
      <Button onClick={open}>Record a review</Button>
      <FormModal
        opened={opened}
        onClose={close}
        title={`Review of ${vendor.name}`}
        size="lg"
        onSubmit={() => m.mutate()}
        submitLabel="Record review"
        pending={m.isPending}
      >
        <Text size="sm">
          {`Currently tiered ${vendor.risk_tier}${vendor.last_review_at ? `, last reviewed ${vendor.last_review_at}` : ', never reviewed'}.`}
        </Text>
        {!validation && (
          <WriteError
            error={m.error}
            onReload={() => {
              close();
              done();
            }}
            title="Could not record the review"
          />
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Reviewed on"
            type="date"
            required
            max={today}
            value={values.reviewed_at}
            onChange={(e) => set('reviewed_at', e.currentTarget.value)}
            error={errs.fields.reviewed_at}
          />
          <Select
            label="Decision"
            required
            allowDeselect={false}
            placeholder="Choose"
            data={labelled(DECISIONS, decisionLabel)}
            value={values.decision || null}
            onChange={(v) => set('decision', (v ?? '') as ReviewFormValues['decision'])}
            error={errs.fields.decision}
          />
          <Select
            label="Risk tier after the review"
            description={retiers ? `Moves the vendor from ${vendor.risk_tier}` : 'Unchanged: the review confirms it'}
            required
            allowDeselect={false}
            data={[...RISK_TIERS]}
            value={values.risk_tier}
            onChange={(v) => v && set('risk_tier', v as ReviewFormValues['risk_tier'])}
            error={errs.fields.risk_tier}
          />
          <TextInput
            label="Next review"
            type="date"
            required
            min={values.reviewed_at || undefined}
            value={values.next_review}
            onChange={(e) => set('next_review', e.currentTarget.value)}
            error={errs.fields.next_review}
          />
        </SimpleGrid>
        <Textarea
          label="Notes"
          description={
            retiers
              ? 'Required: why the tier moves; kept in the tier history.'
              : 'What was looked at and what was found.'
          }
          required={retiers}
          autosize
          minRows={3}
          maxLength={LIMITS.notes}
          value={values.notes}
          onChange={(e) => set('notes', e.currentTarget.value)}
          error={errs.fields.notes}
        />
      </FormModal>
    </>
  );
}
