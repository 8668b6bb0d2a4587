// Picks the risks a vendor bears on by searching the risk register (GET /api/risks?q=…);
// the chosen ones keep their names while the search shows others.
import { MultiSelect } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../../lib/api';
import type { Option } from '../../../lib/options';
import type { ListMeta } from '../../../lib/types';
import type { Risk } from '../../risks';
import type { VendorRisk } from '../types';

const riskOption = (r: Pick<Risk, 'id' | 'title'>): Option => ({ value: String(r.id), label: `#${r.id} ${r.title}` });

export function RiskLinksPicker({
  value,
  onChange,
  known,
  error,
}: {
  /** Ids of the chosen risks, as text. */
  value: string[];
  onChange: (ids: string[]) => void;
  /** Risks already linked, to name them before any search. */
  known: VendorRisk[];
  error?: string;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 300);
  const [named, setNamed] = useState<Map<string, Option>>(
    () => new Map(known.map((r) => [String(r.id), riskOption(r)])),
  );
  const results = useQuery({
    queryKey: ['risks', 'pick', debounced.trim()],
    queryFn: async () => (await api<Risk[], ListMeta>('/risks', { query: { q: debounced.trim(), limit: 20 } })).data,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const found = (results.data ?? []).map(riskOption);
  const chosen = value.map(
    (id) => named.get(id) ?? found.find((o) => o.value === id) ?? { value: id, label: `Risk #${id}` },
  );
  const data = [...chosen, ...found.filter((o) => !value.includes(o.value))];

  return (
    <MultiSelect
      label="Linked risks"
      description="Risks of the register this vendor bears on; type to search"
      searchable
      clearable
      hidePickedOptions
      maxValues={100}
      nothingFoundMessage={results.isFetching ? 'Searching…' : 'No risk matches'}
      data={data}
      value={value}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      onChange={(ids) => {
        setNamed((m) => {
          const next = new Map(m);
          for (const o of data) if (ids.includes(o.value)) next.set(o.value, o);
          return next;
        });
        onChange(ids);
      }}
      error={error}
    />
  );
}
