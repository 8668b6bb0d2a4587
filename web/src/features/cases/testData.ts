// Fixtures of the case pages' tests: records as the API sends them and a fake server.
import { LOGGED_IN, mockFetch } from '../../test-utils';
import type { Case, CustodyEntry, Evidence } from './types';

/** The signed-in user (id 1) with these permissions. */
export const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });
export const INVESTIGATOR = as(['cases:read', 'cases:write', 'members:read', 'dashboard:read']);
export const READER = as(['cases:read', 'members:read']);

export const MEMBERS = [
  { id: 1, email: 'helen@example.com', name: 'Helen', disabled: false, role: 'investigator' },
  { id: 2, email: 'dana@example.com', name: 'Dana', disabled: false, role: 'admin' },
  { id: 3, email: 'sam@example.com', name: 'Sam', disabled: false, role: 'viewer' },
];

export const SHA = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';

export const evidence: Evidence = {
  id: 11,
  case_id: 4,
  owner_kind: 'case',
  owner_id: 4,
  file_name: 'ledger.csv',
  content_type: 'text/csv',
  size: 1536,
  sha256: SHA,
  description: 'Exported from the ERP',
  uploaded_by: 1,
  uploaded_by_name: 'Helen',
  uploaded_at: '2026-01-02T10:00:00Z',
  integrity: 'unverified',
  last_verified_at: null,
  download_count: 0,
};

export const openCase: Case = {
  id: 4,
  title: 'Expense fraud in sales',
  description: 'Duplicate claims.',
  type: 'fraud',
  status: 'new',
  priority: 'high',
  reporter: 'Hotline',
  assignee_id: null,
  assignee_name: null,
  confidential: true,
  resolution: null,
  evidence_count: 1,
  created_by: 1,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  status_changed_at: '2026-01-01T00:00:00Z',
  version: 3,
  evidence: [evidence],
};

export const custody: CustodyEntry[] = [
  {
    action: 'uploaded',
    actor_id: 1,
    actor_name: 'Helen',
    at: '2026-01-02T10:00:00Z',
    ip: '10.0.0.1',
    user_agent: 'Chromium',
    sha256: SHA,
    result: null,
    reason: null,
  },
  {
    action: 'downloaded',
    actor_id: 2,
    actor_name: 'Dana',
    at: '2026-01-03T10:00:00Z',
    ip: '10.0.0.2',
    user_agent: 'Chromium',
    sha256: SHA,
    result: null,
    reason: 'Legal review',
  },
];

export const page = <T>(data: T[], next: string | null = null) => ({
  body: { success: true, data, meta: { total: data.length, limit: 50, next_cursor: next } },
});
export const one = <T>(data: T, status = 200) => ({ status, body: { success: true, data } });
export const fail = (status: number, code: string, message: string, fields?: Record<string, string>) => ({
  status,
  body: { success: false, error: { code, message, fields, request_id: 'r1' } },
});

type Reply = { status?: number; body: unknown } | null | undefined;

/**
 * A fake API: `routes` answers first (null to pass), then the auth status, members,
 * histories and lists answer with defaults, and anything else is a 404.
 */
export function serve(auth: unknown, routes: (url: URL, init: RequestInit) => Reply = () => null) {
  return mockFetch((url, init) => {
    const r = routes(url, init);
    if (r) return r;
    if (url.pathname === '/api/auth/status') return { body: auth };
    if (url.pathname === '/api/members') return one(MEMBERS);
    if (url.pathname.endsWith('/history')) return page([]);
    if (url.pathname === '/api/cases') return page([]);
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
