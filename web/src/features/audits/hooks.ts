// Audit management's queries: records, lists, pickers and what a write invalidates.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useInvalidate } from '../../lib/hooks';
import { recordQuery } from '../../lib/records';
import type { ListMeta } from '../../lib/types';
import type { Engagement, Finding } from './types';

export type AuditResource = 'engagements' | 'findings';

export const useEngagement = (id: string) => useQuery(recordQuery<Engagement>('engagements', id));
export const useFinding = (id: string) => useQuery(recordQuery<Finding>('findings', id));

/** One page of GET /api/engagements or /api/findings; the previous page stays shown while the next loads. */
export function useAuditList<T>(resource: AuditResource, apiQuery: URLSearchParams, enabled = true) {
  return useQuery({
    queryKey: [resource, 'list', apiQuery.toString()],
    queryFn: () => api<T[], ListMeta>(`/${resource}`, { query: apiQuery }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/**
 * A list read page by page ("Load more"): GET /api/<resource> with `query`, then the
 * same with each page's next cursor.
 */
export function useAuditPages<T>(resource: AuditResource, query: Record<string, string>) {
  const key = new URLSearchParams(query).toString();
  return useInfiniteQuery({
    queryKey: [resource, 'pages', key],
    queryFn: async ({ pageParam }) => {
      const r = await api<T[], ListMeta>(`/${resource}`, { query: { ...query, cursor: pageParam } });
      return { data: r.data, meta: r.meta };
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.meta?.next_cursor ?? undefined,
  });
}

/** What any audit write changes: engagements (their finding counts), findings and the dashboard. */
export const AUDIT_QUERIES = ['engagements', 'findings', 'dashboard'] as const;

/** After any audit write: what it changed is read again. */
export const useAuditWrite = () => useInvalidate(AUDIT_QUERIES);

/** Engagements for pickers and filters, labelled "#id title"; `active` keeps those that take new findings. */
export function useEngagementOptions(active: boolean) {
  const { can, status } = useAuth();
  const q = useQuery({
    queryKey: ['engagements', 'options', status?.organization?.id, active],
    queryFn: async () =>
      (
        await api<Engagement[], ListMeta>('/engagements', {
          query: { limit: 500, sort: 'title', active: active ? 'true' : undefined },
        })
      ).data,
    enabled: can('audits:read'),
    staleTime: 60_000,
  });
  const options = (q.data ?? []).map((e) => ({ value: String(e.id), label: `#${e.id} ${e.title}` }));
  return { options, isLoading: q.isLoading, error: q.error };
}
