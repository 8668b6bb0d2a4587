// Fixtures of the audit trail's tests: rows as the API sends them and a fake server.
import { LOGGED_IN, mockFetch } from '../../test-utils';
import type { TrailRow } from './types';

export const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });
export const AUDITOR = as(['audit_trail:read', 'risks:read', 'members:read']);

export const MEMBERS = [{ id: 5, email: 'dana@example.com', name: 'Dana Whitfield', disabled: false, role: 'admin' }];

export const riskUpdate: TrailRow = {
  position: 42,
  event_id: '0b9e6f3e-8c1a-4d0e-9d2f-1f2a3b4c5d6e',
  at: '2026-05-01T09:30:00.123456Z',
  type: 'RiskUpdated',
  entity_type: 'risk',
  entity_id: 7,
  actor_id: 2,
  actor_name: 'Priya Raman',
  ip: '203.0.113.9',
  user_agent: 'Mozilla/5.0',
  request_id: 'req-1',
  changes: {
    title: { before: 'Old title', after: 'New title' },
    owner_id: { before: 3, after: 4 },
    owner_name: { before: 'Marcus', after: 'Ada' },
    review_date: { before: null, after: '2026-06-01' },
    'responses.1.owner_id': { before: null, after: 5 },
  },
  comment: 'Reworded after the review',
};

export const login: TrailRow = {
  ...riskUpdate,
  position: 41,
  event_id: '1c9e6f3e-8c1a-4d0e-9d2f-1f2a3b4c5d6e',
  type: 'UserLoggedIn',
  entity_type: 'user',
  entity_id: 2,
  ip: '',
  user_agent: '',
  request_id: '',
  changes: {},
  comment: '',
};

export const page = <T>(data: T[], next: string | null = null) => ({
  body: { success: true, data, meta: { total: data.length, limit: 50, next_cursor: next } },
});
export const fail = (status: number, code: string, message: string, fields?: Record<string, string>) => ({
  status,
  body: { success: false, error: { code, message, fields, request_id: 'r1' } },
});

type Reply = { status?: number; body: unknown } | null | undefined;

/** A fake API: `routes` answers first (null to pass), then the session; anything else is a 404. */
export function serve(auth: unknown, routes: (url: URL) => Reply = () => null) {
  return mockFetch((url) => {
    const r = routes(url);
    if (r) return r;
    if (url.pathname === '/api/auth/status') return { body: auth };
    if (url.pathname === '/api/audit-trail') return page([]);
    if (url.pathname === '/api/members') return { body: { success: true, data: MEMBERS } };
    return fail(404, 'NOT_FOUND', 'not found');
  });
}

export function callsTo(fetch: ReturnType<typeof mockFetch>, path: string) {
  return fetch.mock.calls.map((c) => new URL(String(c[0]), 'http://x')).filter((u) => u.pathname === path);
}
