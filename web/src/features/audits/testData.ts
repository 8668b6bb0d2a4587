// Fixtures of the audit pages' tests: records as the API sends them and a fake server.
import { LOGGED_IN, mockFetch } from '../../test-utils';
import type { Engagement, Finding, Procedure } from './types';

/** The signed-in user (id 1) with these permissions. */
export const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });
export const VIEWER = as(['audits:read', 'members:read', 'risks:read', 'controls:read']);
export const WRITER = as([
  'audits:read',
  'audits:write',
  'audits:respond',
  'members:read',
  'risks:read',
  'controls:read',
]);

export const MEMBERS = [
  { id: 1, email: 'ada@example.com', name: 'Ada', disabled: false, role: 'auditor' },
  { id: 2, email: 'grace@example.com', name: 'Grace', disabled: false, role: 'compliance_manager' },
];

export const procedure: Procedure = {
  id: 21,
  engagement_id: 3,
  title: 'Walk through payroll approvals',
  description: '',
  assigned_to: 1,
  status: 'done',
  conclusion: 'Approvals are missing for two runs.',
  signed_off_by: null,
  signed_off_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  version: 2,
};

export const engagement: Engagement = {
  id: 3,
  title: 'Payroll audit',
  scope: 'Monthly payroll runs',
  auditee: 'Finance',
  lead_auditor_id: 1,
  phase: 'Review',
  status: 'On Track',
  planned_start: '2026-01-01',
  planned_end: '2026-03-31',
  findings_by_status: { Open: 1, Approved: 0, Closed: 0 },
  procedures_total: 1,
  procedures_signed_off: 0,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  version: 4,
  procedures: [procedure],
};

export const finding: Finding = {
  id: 8,
  engagement_id: 3,
  engagement_title: 'Payroll audit',
  title: 'Payroll runs lack approval',
  description: 'Two runs went out unapproved.',
  severity: 'High',
  risk_id: null,
  control_id: null,
  source_test_id: null,
  status: 'Open',
  assigned_to: 2,
  due_date: '2026-01-15',
  overdue: true,
  management_response: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  version: 1,
  risk: null,
  control: null,
  management_responses: [],
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
    if (['/api/engagements', '/api/findings', '/api/risks', '/api/controls'].includes(url.pathname)) return page([]);
    return fail(404, 'NOT_FOUND', 'not found');
  });
}

/** The URL of each call to `path`, in order. */
export function callsTo(fetch: ReturnType<typeof mockFetch>, path: string, method = 'GET') {
  return fetch.mock.calls
    .filter((c) => ((c[1] as RequestInit | undefined)?.method ?? 'GET') === method)
    .map((c) => ({ url: new URL(String(c[0]), 'http://x'), init: (c[1] ?? {}) as RequestInit }))
    .filter((c) => c.url.pathname === path);
}
