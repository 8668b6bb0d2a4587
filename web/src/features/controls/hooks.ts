// The control library's queries shared by its pages.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import type { ListMeta } from '../../lib/types';
import type { Framework } from './types';

/** Frameworks of the current organization, for framework names and pickers (empty without controls:read). */
export function useFrameworkOptions() {
  const { can, status } = useAuth();
  const q = useQuery({
    queryKey: ['frameworks', 'options', status?.organization?.id],
    queryFn: async () => (await api<Framework[], ListMeta>('/frameworks', { query: { limit: 200 } })).data,
    enabled: can('controls:read'),
    staleTime: 60_000,
  });
  const byId = new Map<number, Framework>((q.data ?? []).map((f) => [f.id, f]));
  const label = (f: Framework) => (f.version ? `${f.name} (${f.version})` : f.name);
  const name = (id: number | null | undefined) => {
    if (!id) return '—';
    const f = byId.get(id);
    return f ? label(f) : `Framework #${id}`;
  };
  const options = (q.data ?? []).map((f) => ({ value: String(f.id), label: label(f) }));
  return { frameworks: q.data ?? [], name, options, isLoading: q.isLoading, error: q.error };
}
