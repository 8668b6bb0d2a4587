// The period of a KPI value, asked for the way the KPI's frequency writes it: a month
// (YYYY-MM) for a monthly KPI, a year and a quarter (YYYY-Qn) for a quarterly one, a
// year (YYYY) for an annual one.
import { Group, Input, Select, TextInput } from '@mantine/core';
import { PERIOD_FORMATS, quarterPeriod, splitPeriod } from '../periods';
import type { Frequency } from '../types';

const QUARTERS = [
  { value: '1', label: 'Q1 (January–March)' },
  { value: '2', label: 'Q2 (April–June)' },
  { value: '3', label: 'Q3 (July–September)' },
  { value: '4', label: 'Q4 (October–December)' },
];

const yearDigits = (s: string) => s.replace(/\D/g, '').slice(0, 4);

export function PeriodInput({
  frequency,
  value,
  onChange,
  max,
  error,
}: {
  frequency: Frequency;
  /** The period as the API writes it ('' or partial while being typed). */
  value: string;
  onChange: (period: string) => void;
  /** The latest period that may be given (the current one). */
  max: string;
  error?: string;
}) {
  const description = `Which period the value is for: ${PERIOD_FORMATS[frequency]}.`;
  if (frequency === 'monthly') {
    return (
      <TextInput
        label="Period (month)"
        description={description}
        type="month"
        required
        max={max}
        placeholder="YYYY-MM"
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        error={error}
      />
    );
  }
  if (frequency === 'annual') {
    return (
      <TextInput
        label="Period (year)"
        description={description}
        required
        inputMode="numeric"
        placeholder="YYYY"
        maxLength={4}
        value={value}
        onChange={(e) => onChange(yearDigits(e.currentTarget.value))}
        error={error}
      />
    );
  }
  const { year, quarter } = splitPeriod(value);
  return (
    <Input.Wrapper label="Period (quarter)" labelElement="div" description={description} error={error} required>
      <Group gap="xs" align="flex-start" mt={4}>
        <TextInput
          aria-label="Year"
          inputMode="numeric"
          placeholder="YYYY"
          maxLength={4}
          w={90}
          value={year}
          error={!!error}
          onChange={(e) => onChange(quarterPeriod(yearDigits(e.currentTarget.value), quarter))}
        />
        <Select
          aria-label="Quarter"
          placeholder="Quarter"
          data={QUARTERS}
          allowDeselect={false}
          w={220}
          value={quarter || null}
          error={!!error}
          onChange={(q) => onChange(quarterPeriod(year, q ?? ''))}
        />
      </Group>
    </Input.Wrapper>
  );
}
