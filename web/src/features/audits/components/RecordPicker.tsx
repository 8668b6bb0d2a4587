// Picks a risk or a control for a finding by searching its list (GET /api/risks?q=…,
// /api/controls?q=…). Without the permission to read that list, the id is typed instead.
import { Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../../lib/api';
import { useAuth } from '../../../lib/auth';
import type { Option } from '../../../lib/options';
import type { ListMeta } from '../../../lib/types';
import { controlLabel, type Control } from '../../controls';
import type { Risk } from '../../risks';

type Searchable = 'risks' | 'controls';

function optionOf(resource: Searchable, item: Risk | Control): Option {
  if (resource === 'risks') {
    const r = item as Risk;
    return { value: String(r.id), label: `#${r.id} ${r.title}` };
  }
  return { value: String(item.id), label: controlLabel(item as Control) };
}

export function RecordPicker({
  resource,
  label,
  value,
  currentLabel,
  onChange,
  error,
  disabled,
  description,
}: {
  resource: Searchable;
  label: string;
  /** The chosen id ('' = none). */
  value: string;
  /** How to name the chosen record while the search results do not hold it. */
  currentLabel: string;
  onChange: (id: string) => void;
  error?: string;
  disabled?: boolean;
  description?: string;
}) {
  const { can } = useAuth();
  const canSearch = can(`${resource}:read`);
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<Option | null>(null);
  const [debounced] = useDebouncedValue(search, 300);
  const chosen: Option | null = value ? (picked?.value === value ? picked : { value, label: currentLabel }) : null;
  // Once a record is chosen the search box shows its label; that is no search term.
  const term = chosen && debounced === chosen.label ? '' : debounced.trim();
  const results = useQuery({
    queryKey: [resource, 'pick', term],
    queryFn: async () =>
      (await api<(Risk | Control)[], ListMeta>(`/${resource}`, { query: { q: term, limit: 20 } })).data,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    enabled: canSearch && !disabled,
  });
  if (!canSearch) {
    return (
      <TextInput
        label={`${label} (id)`}
        description={description}
        inputMode="numeric"
        value={value}
        onChange={(e) => onChange(e.currentTarget.value.replace(/\D/g, ''))}
        error={error}
        disabled={disabled}
      />
    );
  }
  const options = (results.data ?? []).map((item) => optionOf(resource, item));
  if (chosen && !options.some((o) => o.value === chosen.value)) options.unshift(chosen);
  return (
    <Select
      label={label}
      description={description}
      searchable
      clearable
      placeholder={`Search ${resource}`}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: o }) => o}
      data={options}
      value={value || null}
      onChange={(v) => {
        setPicked(options.find((o) => o.value === v) ?? null);
        onChange(v ?? '');
      }}
      nothingFoundMessage={results.isFetching ? 'Searching…' : `No ${resource} found`}
      error={error}
      disabled={disabled}
    />
  );
}
