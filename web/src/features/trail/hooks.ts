// The audit trail's query: one page of GET /api/audit-trail.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { ListMeta } from '../../lib/types';
import type { TrailRow } from './types';

/** One page of the trail; the previous page stays shown while the next loads. */
export function useTrail(apiQuery: URLSearchParams) {
  return useQuery({
    queryKey: ['audit-trail', 'list', apiQuery.toString()],
    queryFn: () => api<TrailRow[], ListMeta>('/audit-trail', { query: apiQuery }),
    placeholderData: keepPreviousData,
  });
}
