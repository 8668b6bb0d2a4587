// Investigations' queries: a case, lists, board columns, custody, the assignee picker's
// members, and what a write invalidates.
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { useMembers } from '../../lib/hooks';
import { recordQuery } from '../../lib/records';
import type { ListMeta } from '../../lib/types';
import { investigatorOptions } from './rules';
import type { Case, CustodyEntry } from './types';

export const useCase = (id: string) => useQuery(recordQuery<Case>('cases', id));

/** One page of GET /api/cases; the previous page stays shown while the next loads. */
export function useCaseList(apiQuery: URLSearchParams, enabled = true) {
  return useQuery({
    queryKey: ['cases', 'list', apiQuery.toString()],
    queryFn: () => api<Case[], ListMeta>('/cases', { query: apiQuery }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** The cases of `query` read page by page ("Load more"), as a board column reads them. */
export function useCasePages(query: Record<string, string>) {
  const key = new URLSearchParams(query).toString();
  return useInfiniteQuery({
    queryKey: ['cases', 'pages', key],
    queryFn: async ({ pageParam }) => {
      const r = await api<Case[], ListMeta>('/cases', { query: { ...query, cursor: pageParam } });
      return { data: r.data, meta: r.meta };
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.meta?.next_cursor ?? undefined,
  });
}

/** One file's chain of custody, oldest first. */
export function useCustody(caseId: number, evidenceId: number) {
  return useQuery({
    queryKey: ['cases', 'custody', caseId, evidenceId],
    queryFn: async () => (await api<CustodyEntry[]>(`/cases/${caseId}/evidence/${evidenceId}/custody`)).data,
  });
}

/** What a case write changes: the cases (lists, the record, custody) and the dashboard. */
export const CASE_QUERIES = ['cases', 'dashboard'] as const;

/** The members a case may be assigned to (admins and investigators), with the members' names. */
export function useInvestigators() {
  const members = useMembers();
  return { options: investigatorOptions(members.members), name: members.name };
}
