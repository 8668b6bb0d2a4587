// Building blocks of a list page's filter card; every value lives in the URL.
import { Button, Card, Group, MultiSelect, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useEffect, useState, type ReactNode } from 'react';
import type { Option } from '../lib/options';

/** The "Filters" section: a grid of fields and a "Clear filters" button. */
export function FiltersCard({ onClear, children }: { onClear: () => void; children: ReactNode }) {
  return (
    <Card withBorder component="section" aria-label="Filters">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>{children}</SimpleGrid>
      <Group mt="sm">
        <Button variant="subtle" size="xs" onClick={onClear}>
          Clear filters
        </Button>
      </Group>
    </Card>
  );
}

/** A text filter that updates the URL after a pause, not on every keystroke. */
export function DebouncedTextFilter({
  label,
  description,
  value,
  onCommit,
  maw,
  error,
}: {
  label: string;
  description: string;
  /** The value in the URL; typing shows at once and is committed (trimmed) 400 ms later. */
  value: string;
  onCommit: (v: string) => void;
  maw?: number;
  /** What the API said is wrong with the value, shown beside it. */
  error?: string;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const debounced = useDebouncedCallback((v: string) => onCommit(v.trim()), 400);
  return (
    <TextInput
      label={label}
      description={description}
      maw={maw}
      value={text}
      error={error}
      onChange={(e) => {
        setText(e.currentTarget.value);
        debounced(e.currentTarget.value);
      }}
    />
  );
}

/** A clearable choice of one value; '' in the URL is "any". */
export function FilterSelect({
  label,
  data,
  value,
  onChange,
  searchable,
  placeholder = 'Any',
}: {
  label: string;
  data: readonly string[] | Option[];
  value: string;
  onChange: (v: string | null) => void;
  searchable?: boolean;
  placeholder?: string;
}) {
  return (
    <Select
      label={label}
      clearable
      searchable={searchable}
      placeholder={placeholder}
      data={data as Option[]}
      value={value || null}
      onChange={onChange}
    />
  );
}

/** A clearable choice of several values, kept in the URL separated by commas; '' is "any". */
export function FilterMultiSelect({
  label,
  data,
  value,
  onChange,
  placeholder = 'Any',
}: {
  label: string;
  data: readonly string[] | Option[];
  value: string;
  onChange: (v: string) => void;
  placeholder?: string;
}) {
  const picked = value ? value.split(',') : [];
  return (
    <MultiSelect
      label={label}
      clearable
      placeholder={picked.length ? undefined : placeholder}
      data={data as Option[]}
      value={picked}
      onChange={(v) => onChange(v.join(','))}
    />
  );
}

/** The sort order; 'id' is the API's default and stays out of the URL. */
export function SortSelect({
  options,
  value,
  onChange,
}: {
  options: Option[];
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <Select
      label="Sort"
      data={options}
      value={value || 'id'}
      allowDeselect={false}
      onChange={(v) => onChange(v === 'id' ? '' : (v ?? ''))}
    />
  );
}
