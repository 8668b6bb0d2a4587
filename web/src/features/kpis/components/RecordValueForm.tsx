// Recording a KPI's value for a period. A period that already has a value is corrected:
// the form says so before saving, asks why (the server insists), and both values stay in
// the performance history.
import { Alert, Button, Group, SimpleGrid, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ifMatch, isConflict } from '../../../lib/api';
import { mapApiErrors } from '../../../lib/fieldErrors';
import { submitHandler } from '../../../lib/forms';
import { useInvalidate } from '../../../lib/hooks';
import { FormAlert } from '../../../components/FormAlert';
import { LIMITS, VALUE_FORM_FIELDS, correctionNotice, valueToBody, valueWrite, type ValueFormValues } from '../forms';
import { KPI_QUERIES } from '../hooks';
import { defaultPeriod, periodLabel, periodOf, todayUtc } from '../periods';
import { formatMeasure, valueOf } from '../rules';
import type { Kpi, PerformanceEntry } from '../types';
import { PeriodInput } from './PeriodInput';

export function RecordValueForm({
  kpi,
  entries,
  labelledBy,
}: {
  kpi: Kpi;
  entries: PerformanceEntry[];
  /** Id of the heading that names the form. */
  labelledBy: string;
}) {
  const done = useInvalidate(KPI_QUERIES);
  const today = todayUtc();
  const [values, setValues] = useState<ValueFormValues>(() => ({
    period: defaultPeriod(kpi.frequency, today, kpi.latest_period),
    value: '',
    comment: '',
  }));
  const [saved, setSaved] = useState<string | null>(null);
  const set = <K extends keyof ValueFormValues>(k: K, v: ValueFormValues[K]) => {
    setValues((s) => ({ ...s, [k]: v }));
    setSaved(null);
  };
  const current = valueOf(entries, values.period);
  const write = valueWrite(current, values.value);
  const notice = correctionNotice(write, periodLabel(values.period), kpi.unit);

  const m = useMutation({
    mutationFn: async () => {
      const body = valueToBody(kpi.frequency, values, current, today);
      const r = await api<Kpi>(`/kpis/${kpi.id}/performance`, {
        method: 'POST',
        body,
        headers: { 'If-Match': ifMatch(kpi.version) },
      });
      return { body, kind: write.kind, kpi: r.data };
    },
    onSuccess: ({ body, kind }) => {
      const what = kind === 'correct' ? 'Corrected' : kind === 'same' ? 'Unchanged' : 'Recorded';
      setSaved(`${what}: ${formatMeasure(body.value as number, kpi.unit)} for ${periodLabel(String(body.period))}.`);
      setValues((s) => ({ ...s, value: '', comment: '' }));
      done();
    },
  });
  const errs = mapApiErrors(m.error, VALUE_FORM_FIELDS);
  const correcting = write.kind === 'correct';

  return (
    <form onSubmit={submitHandler(() => m.mutate())} noValidate aria-labelledby={labelledBy}>
      <Stack gap="sm">
        {isConflict(m.error) ? (
          <Alert color="#a63a0c" role="alert" title="Someone else changed this KPI">
            <Text size="sm" mb="xs">
              A value was recorded or the KPI changed after this page loaded, so nothing was saved. Reload it, then
              check the period again.
            </Text>
            <Button
              size="xs"
              onClick={() => {
                m.reset();
                done();
              }}
            >
              Reload the KPI
            </Button>
          </Alert>
        ) : (
          <FormAlert message={errs.form} title="Could not save the value" />
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <PeriodInput
            frequency={kpi.frequency}
            value={values.period}
            max={periodOf(kpi.frequency, today)}
            onChange={(p) => set('period', p)}
            error={errs.fields.period}
          />
          <TextInput
            label={kpi.unit ? `Value (${kpi.unit})` : 'Value'}
            required
            inputMode="decimal"
            value={values.value}
            onChange={(e) => set('value', e.currentTarget.value)}
            error={errs.fields.value}
          />
        </SimpleGrid>
        {notice && (
          <Alert color={correcting ? '#a63a0c' : 'gray'} title={correcting ? 'This is a correction' : undefined}>
            {notice}
          </Alert>
        )}
        <Textarea
          label={correcting ? 'Why the value is corrected' : 'Comment'}
          description={
            correcting ? 'Required: kept in the history with the value it replaces.' : 'Optional; kept with the value.'
          }
          required={correcting}
          autosize
          minRows={2}
          maxLength={LIMITS.comment}
          value={values.comment}
          onChange={(e) => set('comment', e.currentTarget.value)}
          error={errs.fields.comment}
        />
        <Group>
          <Button type="submit" loading={m.isPending}>
            {correcting ? 'Save correction' : 'Record value'}
          </Button>
          <Text size="sm" role="status">
            {saved ?? ''}
          </Text>
        </Group>
      </Stack>
    </form>
  );
}
