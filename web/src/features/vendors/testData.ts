// Fixtures of the vendor pages' tests: records as the API sends them and a fake server.
import { LOGGED_IN, mockFetch } from '../../test-utils';
import type { Vendor } from './types';

export const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });
export const WRITER = as(['vendors:read', 'vendors:write', 'risks:read', 'members:read']);
export const READER = as(['vendors:read', 'risks:read']);

export const vendor: Vendor = {
  id: 1,
  name: 'Northwind Cloud',
  service: 'Cloud hosting',
  criticality: 'critical',
  risk_tier: 'Medium',
  status: 'active',
  contact_name: 'Priya Natarajan',
  contact_email: 'priya@northwind.example',
  next_review: '2026-10-22',
  overdue_review: true,
  risk_ids: [1, 2, 9],
  last_review_at: '2025-10-22',
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-10-22T00:00:00Z',
  version: 3,
  reviews: [
    {
      id: 1,
      reviewed_at: '2025-10-22',
      reviewer_id: 2,
      reviewer_name: 'Marcus',
      decision: 'approved',
      notes: 'SOC 2 report reviewed.',
      risk_tier_from: 'Medium',
      risk_tier: 'Medium',
      next_review: '2026-10-22',
      recorded_at: '2025-10-22T09:00:00Z',
    },
  ],
  tier_history: [
    { from: null, to: 'Low', at: '2025-01-01T00:00:00Z', by: 1, by_name: 'Ada', reason: '', review_id: null },
    {
      from: 'Low',
      to: 'Medium',
      at: '2025-03-01T00:00:00Z',
      by: 1,
      by_name: 'Ada',
      reason: 'Now hosts customer data.',
      review_id: null,
    },
  ],
  risks: [
    { id: 1, title: 'Vendor quality drop', rating: 'Critical', status: 'Identified' },
    { id: 2, title: 'Region outage', rating: 'Medium', status: 'Accepted' },
  ],
};

export const page = <T>(data: T[], next: string | null = null) => ({
  body: { success: true, data, meta: { total: data.length, limit: 50, next_cursor: next } },
});
export const one = <T>(data: T, status = 200) => ({ status, body: { success: true, data } });
export const fail = (status: number, code: string, message: string, fields?: Record<string, string>) => ({
  status,
  body: { success: false, error: { code, message, fields, request_id: 'r1' } },
});

type Reply = { status?: number; body: unknown } | null | undefined;

/** A fake API: `routes` answers first (null to pass), then defaults; anything else is a 404. */
export function serve(auth: unknown, routes: (url: URL, init: RequestInit) => Reply = () => null) {
  return mockFetch((url, init) => {
    const r = routes(url, init);
    if (r) return r;
    if (url.pathname === '/api/auth/status') return { body: auth };
    if (url.pathname === '/api/members') return one([]);
    if (url.pathname.endsWith('/history')) return page([]);
    if (url.pathname === '/api/vendors' || url.pathname === '/api/risks') return page([]);
    return fail(404, 'NOT_FOUND', 'not found');
  });
}

export function callsTo(fetch: ReturnType<typeof mockFetch>, path: string, method = 'GET') {
  return fetch.mock.calls
    .filter((c) => ((c[1] as RequestInit | undefined)?.method ?? 'GET') === method)
    .map((c) => ({ url: new URL(String(c[0]), 'http://x'), init: (c[1] ?? {}) as RequestInit }))
    .filter((c) => c.url.pathname === path);
}
