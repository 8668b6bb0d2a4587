// Fixtures of the KPI pages' tests: records as the API sends them and a fake server.
import { LOGGED_IN, mockFetch } from '../../test-utils';
import type { Kpi, Objective, PerformanceEntry } from './types';

export const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });
export const WRITER = as(['kpis:read', 'kpis:write', 'members:read']);
export const READER = as(['kpis:read', 'members:read']);

export const MEMBERS = [
  { id: 1, email: 'ada@example.com', name: 'Ada', disabled: false, role: 'compliance_manager' },
  { id: 2, email: 'marcus@example.com', name: 'Marcus', disabled: false, role: 'risk_manager' },
];

export const kpi: Kpi = {
  id: 1,
  name: 'System availability',
  description: 'Uptime of the platform.',
  unit: '%',
  target: 99.9,
  direction: 'higher_is_better',
  frequency: 'monthly',
  owner_id: 2,
  objective_id: 1,
  objective_name: 'Strengthen operational resilience',
  latest_value: 99.82,
  latest_period: '2026-11',
  on_target: false,
  stale: false,
  last_due_period: '2026-10',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-12-01T00:00:00Z',
  version: 5,
};

const entry = (period: string, value: number, extra: Partial<PerformanceEntry> = {}): PerformanceEntry => ({
  period,
  value,
  comment: '',
  recorded_by: 2,
  recorded_by_name: 'Marcus',
  recorded_at: `${period}-28T09:00:00Z`,
  corrected: false,
  previous_value: null,
  ...extra,
});

export const entries: PerformanceEntry[] = [
  entry('2026-09', 99.84),
  entry('2026-10', 99.83),
  entry('2026-10', 99.79, {
    corrected: true,
    previous_value: 99.83,
    comment: 'Reconciled with the ledger.',
    recorded_by: 1,
    recorded_by_name: 'Ada',
    recorded_at: '2026-11-05T10:00:00Z',
  }),
  entry('2026-11', 99.82),
];

export const objective: Objective = {
  id: 1,
  name: 'Strengthen operational resilience',
  description: 'Keep services available.',
  owner_id: 2,
  period_start: '2026-01-01',
  period_end: '2026-12-31',
  kpi_count: 4,
  on_target_count: 2,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  version: 1,
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
    if (url.pathname === '/api/members') return one(MEMBERS);
    if (url.pathname.endsWith('/history')) return page([]);
    if (url.pathname === '/api/objectives') return page([objective]);
    if (url.pathname === '/api/kpis') return page([]);
    return fail(404, 'NOT_FOUND', 'not found');
  });
}

/** The URL and request of each call to `path` with `method`, in order. */
export function callsTo(fetch: ReturnType<typeof mockFetch>, path: string, method = 'GET') {
  return fetch.mock.calls
    .filter((c) => ((c[1] as RequestInit | undefined)?.method ?? 'GET') === method)
    .map((c) => ({ url: new URL(String(c[0]), 'http://x'), init: (c[1] ?? {}) as RequestInit }))
    .filter((c) => c.url.pathname === path);
}
