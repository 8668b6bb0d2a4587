import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../test-utils';
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
    position: 7,
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
    expect(screen.getByText('#3, #8')).toBeInTheDocument();
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
