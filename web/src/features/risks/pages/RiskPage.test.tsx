import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { RiskPage } from './RiskPage';

afterEach(() => vi.unstubAllGlobals());

const risk = {
  id: 9,
  title: 'Vendor outage',
  description: 'd',
  category: 'Third Party',
  status: 'Treating',
  likelihood: 4,
  impact: 4,
  inherent_score: 16,
  rating: 'High',
  residual_likelihood: 2,
  residual_impact: 2,
  residual_score: 4,
  owner_id: 1,
  review_date: null,
  control_ids: [3, 8],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  version: 2,
};
const history = [
  {
    version: 2,
    event_id: 'e2',
    type: 'RiskUpdated',
    recorded_at: '2026-01-02T00:00:00Z',
    actor: { id: 1, name: 'Ada' },
    correlation_id: 'c',
    changes: [{ field: 'status', before: 'Assessed', after: 'Treating' }],
  },
];

describe('RiskPage', () => {
  it('shows the risk, its history, and no write buttons for a reader', async () => {
    mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: LOGGED_IN };
      if (url.pathname === '/api/members')
        return { body: { success: true, data: [{ ...LOGGED_IN.data.user, role: 'viewer' }] } };
      if (url.pathname === '/api/risks/9/history') return { body: { success: true, data: history } };
      return { body: { success: true, data: risk } };
    });
    renderAt('/risks/9', [{ path: '/risks/:id', element: <RiskPage /> }]);
    expect(await screen.findByRole('heading', { name: /vendor outage/i })).toBeInTheDocument();
    expect(await screen.findByText(/Assessed → Treating/)).toBeInTheDocument();
    // Without the detail's `controls` (an older server), the ids are listed.
    expect(screen.getByText('Control #3')).toBeInTheDocument();
    expect(screen.getByText('Control #8')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
  });

  it('asks the API for the risk as of the time in the URL', async () => {
    const fetch = mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: LOGGED_IN };
      if (url.pathname === '/api/members') return { body: { success: true, data: [] } };
      if (url.pathname === '/api/risks/9/history') return { body: { success: true, data: history } };
      return { body: { success: true, data: url.searchParams.get('as_of') ? { ...risk, status: 'Assessed' } : risk } };
    });
    renderAt('/risks/9?as_of=2026-01-01T12:00:00.000Z', [{ path: '/risks/:id', element: <RiskPage /> }]);
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    await waitFor(() =>
      expect(
        fetch.mock.calls.some(
          (c) => new URL(String(c[0]), 'http://x').searchParams.get('as_of') === '2026-01-01T12:00:00.000Z',
        ),
      ).toBe(true),
    );
    expect(await screen.findByText('Assessed')).toBeInTheDocument();
  });

  it('offers edit, delete, responses and mappings to a writer', async () => {
    const writer = {
      ...LOGGED_IN,
      data: { ...LOGGED_IN.data, permissions: ['members:read', 'risks:read', 'risks:write'] },
    };
    mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: writer };
      if (url.pathname === '/api/members') return { body: { success: true, data: [] } };
      if (url.pathname === '/api/risks/9/history') return { body: { success: true, data: history } };
      return { body: { success: true, data: risk } };
    });
    renderAt('/risks/9', [{ path: '/risks/:id', element: <RiskPage /> }]);
    expect(await screen.findByRole('link', { name: 'Edit' })).toHaveAttribute('href', '/risks/9/edit');
    expect(screen.getByRole('button', { name: 'Delete' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Add response' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Unmap control 3' })).toBeInTheDocument();
  });
});

describe('RiskPage controls section', () => {
  const mapper = {
    ...LOGGED_IN,
    data: { ...LOGGED_IN.data, permissions: ['members:read', 'risks:read', 'risks:write', 'controls:read'] },
  };
  const withControls = {
    ...risk,
    control_ids: [3],
    controls: [{ id: 3, code: 'AC-01', title: 'Access reviews', status: 'Archived', effectiveness: 'Effective' }],
  };

  it('lists the controls, marks archived ones, searches and shows the field error of a refused mapping', async () => {
    const fetch = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/status') return { body: mapper };
      if (url.pathname === '/api/members') return { body: { success: true, data: [] } };
      if (url.pathname === '/api/risks/9/history') return { body: { success: true, data: history } };
      if (url.pathname === '/api/controls')
        return {
          body: {
            success: true,
            data: [
              { id: 3, code: 'AC-01', title: 'Access reviews', status: 'Archived', effectiveness: 'Effective' },
              { id: 5, code: 'BK-02', title: 'Backups', status: 'Archived', effectiveness: 'Not Tested' },
            ],
            meta: { total: 2, limit: 20, next_cursor: null },
          },
        };
      if (url.pathname === '/api/risks/9/controls' && init.method === 'POST')
        return {
          status: 400,
          body: {
            success: false,
            error: {
              code: 'VALIDATION_ERROR',
              message: 'control_id: the control is archived',
              fields: { control_id: 'the control is archived' },
            },
          },
        };
      return { body: { success: true, data: withControls } };
    });
    renderAt('/risks/9', [{ path: '/risks/:id', element: <RiskPage /> }]);
    expect(await screen.findByRole('link', { name: 'AC-01' })).toHaveAttribute('href', '/controls/3');
    expect(screen.getByText('Archived')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Unmap control AC-01' })).toBeInTheDocument();

    const picker = screen.getByRole('textbox', { name: /control to map/i });
    fireEvent.click(picker);
    fireEvent.change(picker, { target: { value: 'back' } });
    await waitFor(() =>
      expect(fetch.mock.calls.some((c) => new URL(String(c[0]), 'http://x').searchParams.get('q') === 'back')).toBe(
        true,
      ),
    );
    // Already mapped controls are not offered again.
    fireEvent.click(await screen.findByRole('option', { name: 'BK-02 — Backups (Archived)' }));
    expect(screen.queryByRole('option', { name: /AC-01/ })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Map control' }));
    expect(await screen.findByText('the control is archived')).toBeInTheDocument();
    const post = fetch.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'POST');
    expect(JSON.parse(String((post?.[1] as RequestInit).body))).toEqual({ control_id: 5 });
  });
});
