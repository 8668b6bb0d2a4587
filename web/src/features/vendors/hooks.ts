// Vendors' queries: one vendor, a page of the list, the risk picker's search, and what a
// write invalidates.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { recordQuery } from '../../lib/records';
import type { ListMeta } from '../../lib/types';
import type { Vendor } from './types';

export const useVendor = (id: string) => useQuery(recordQuery<Vendor>('vendors', id));

/** One page of GET /api/vendors; the previous page stays shown while the next loads. */
export function useVendorList(apiQuery: URLSearchParams) {
  return useQuery({
    queryKey: ['vendors', 'list', apiQuery.toString()],
    queryFn: () => api<Vendor[], ListMeta>('/vendors', { query: apiQuery }),
    placeholderData: keepPreviousData,
  });
}

/** What a vendor write changes: the vendors (lists, the record, history) and the dashboard. */
export const VENDOR_QUERIES = ['vendors', 'dashboard'] as const;
