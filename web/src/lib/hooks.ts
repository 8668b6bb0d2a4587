import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api';
import { useAuth } from './auth';
import type { ListMeta, Member } from './types';

/** Members of the current organization, for owner names and pickers (empty without members:read). */
export function useMembers() {
  const { can, status } = useAuth();
  const q = useQuery({
    queryKey: ['members', status?.organization?.id],
    queryFn: async () => (await api<Member[]>('/members')).data,
    enabled: can('members:read'),
    staleTime: 5 * 60_000,
  });
  const byId = new Map<number, Member>((q.data ?? []).map((m) => [m.id, m]));
  const name = (id: number | null | undefined) => (id ? (byId.get(id)?.name ?? `User #${id}`) : '—');
  const options = (q.data ?? []).map((m) => ({
    value: String(m.id),
    label: m.disabled ? `${m.name} (disabled)` : m.name,
  }));
  return { members: q.data ?? [], name, options };
}

/** One page of a keyset-paged list (GET /api/<resource>); the previous page stays shown while the next loads. */
export function usePagedList<T>(resource: 'risks' | 'controls' | 'frameworks', apiQuery: URLSearchParams) {
  return useQuery({
    queryKey: [resource, 'list', apiQuery.toString()],
    queryFn: () => api<T[], ListMeta>(`/${resource}`, { query: apiQuery }),
    placeholderData: keepPreviousData,
  });
}

/** A function that refetches every query under these keys (after a write that affects them). */
export function useInvalidate(keys: readonly string[]) {
  const qc = useQueryClient();
  return () => {
    for (const k of keys) qc.invalidateQueries({ queryKey: [k] });
  };
}
