// Objectives' and KPIs' queries: one record, lists, a KPI's performance, the objective
// picker's options, and what a write invalidates.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { recordQuery } from '../../lib/records';
import type { Option } from '../../lib/options';
import type { ListMeta } from '../../lib/types';
import type { Kpi, Objective, PerformanceEntry } from './types';

export const useKpi = (id: string) => useQuery(recordQuery<Kpi>('kpis', id));
export const useObjective = (id: string) => useQuery(recordQuery<Objective>('objectives', id));

/** One page of GET /api/kpis; the previous page stays shown while the next loads. */
export function useKpiList(apiQuery: URLSearchParams) {
  return useQuery({
    queryKey: ['kpis', 'list', apiQuery.toString()],
    queryFn: () => api<Kpi[], ListMeta>('/kpis', { query: apiQuery }),
    placeholderData: keepPreviousData,
  });
}

/** One page of GET /api/objectives. */
export function useObjectiveList(apiQuery: URLSearchParams) {
  return useQuery({
    queryKey: ['objectives', 'list', apiQuery.toString()],
    queryFn: () => api<Objective[], ListMeta>('/objectives', { query: apiQuery }),
    placeholderData: keepPreviousData,
  });
}

/** Every value recorded for the KPI and every correction, oldest period first. */
export function usePerformance(id: string | number) {
  return useQuery({
    queryKey: ['kpis', 'performance', String(id)],
    queryFn: async () => (await api<PerformanceEntry[]>(`/kpis/${id}/performance`)).data,
  });
}

/** The organization's objectives as picker options, by name (the first 500). */
export function useObjectiveOptions() {
  const q = useQuery({
    queryKey: ['objectives', 'options'],
    queryFn: async () => (await api<Objective[], ListMeta>('/objectives', { query: { limit: 500 } })).data,
    staleTime: 60_000,
  });
  const options: Option[] = (q.data ?? []).map((o) => ({ value: String(o.id), label: o.name }));
  const name = (id: string) => options.find((o) => o.value === id)?.label ?? `Objective #${id}`;
  return { options, name, error: q.error };
}

/** What a KPI or objective write changes: both (objectives count their KPIs) and the dashboard. */
export const KPI_QUERIES = ['kpis', 'objectives', 'dashboard'] as const;
