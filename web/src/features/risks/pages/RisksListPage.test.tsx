import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { RisksListPage } from './RisksListPage';

afterEach(() => vi.unstubAllGlobals());

const risk = {
  id: 5,
  title: 'Data centre flood',
  description: '',
  category: 'Ops',
  status: 'Assessed',
  likelihood: 4,
  impact: 2,
  inherent_score: 8,
  rating: 'Medium',
  residual_likelihood: null,
  residual_impact: null,
  residual_score: null,
  owner_id: null,
  review_date: null,
  control_ids: [],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  version: 1,
};

describe('RisksListPage', () => {
  it('passes URL filters (including likelihood and impact) to the API and hides New for readers', async () => {
    const fetch = mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: LOGGED_IN };
      if (url.pathname === '/api/members') return { body: { success: true, data: [] } };
      return { body: { success: true, data: [risk], meta: { total: 1, limit: 50, next_cursor: 'n1' } } };
    });
    renderAt('/risks?likelihood=4&impact=2&sort=-score', [{ path: '/risks', element: <RisksListPage /> }]);
    expect(await screen.findByText('Data centre flood')).toBeInTheDocument();
    await waitFor(() => {
      const call = fetch.mock.calls
        .map((c) => new URL(String(c[0]), 'http://x'))
        .find((u) => u.pathname === '/api/risks');
      expect(call?.searchParams.get('likelihood')).toBe('4');
      expect(call?.searchParams.get('impact')).toBe('2');
      expect(call?.searchParams.get('sort')).toBe('-score');
    });
    expect(screen.queryByRole('link', { name: /new risk/i })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();
  });
});
