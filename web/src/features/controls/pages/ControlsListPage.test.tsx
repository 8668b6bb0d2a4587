import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { ControlsListPage } from './ControlsListPage';

afterEach(() => vi.unstubAllGlobals());

const control = {
  id: 7,
  code: 'BK-01',
  title: 'Nightly backups',
  description: '',
  framework_id: 2,
  status: 'Active',
  type: 'corrective',
  frequency: 'ad_hoc',
  owner_id: null,
  effectiveness: 'Ineffective',
  last_tested_at: null,
  risk_ids: [],
  requirement_ids: [],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
  version: 1,
};

const reader = { ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions: ['members:read', 'controls:read'] } };
const writer = { ...reader, data: { ...reader.data, permissions: [...reader.data.permissions, 'controls:write'] } };

function serve(auth: unknown) {
  return mockFetch((url) => {
    if (url.pathname === '/api/auth/status') return { body: auth };
    if (url.pathname === '/api/members') return { body: { success: true, data: [] } };
    if (url.pathname === '/api/frameworks')
      return {
        body: {
          success: true,
          data: [{ id: 2, name: 'Baseline', version: '1.0', requirement_count: 3 }],
          meta: { total: 1, limit: 200, next_cursor: null },
        },
      };
    return { body: { success: true, data: [control], meta: { total: 1, limit: 50, next_cursor: 'n1' } } };
  });
}

describe('ControlsListPage', () => {
  it('passes URL filters to the API, shows the row and hides New for readers', async () => {
    const fetch = serve(reader);
    renderAt('/controls?framework_id=2&status=Active&effectiveness=Ineffective&type=corrective&sort=-code&q=back', [
      { path: '/controls', element: <ControlsListPage /> },
    ]);
    expect(await screen.findByRole('link', { name: 'BK-01' })).toHaveAttribute('href', '/controls/7');
    expect(screen.getByText('Nightly backups')).toBeInTheDocument();
    expect(screen.getAllByText('Ineffective').length).toBeGreaterThan(0);
    expect(screen.getByText('Ad hoc')).toBeInTheDocument();
    expect(screen.getByText('Never')).toBeInTheDocument();
    await waitFor(() => {
      const call = fetch.mock.calls
        .map((c) => new URL(String(c[0]), 'http://x'))
        .find((u) => u.pathname === '/api/controls');
      expect(Object.fromEntries(call!.searchParams)).toEqual({
        framework_id: '2',
        status: 'Active',
        effectiveness: 'Ineffective',
        type: 'corrective',
        q: 'back',
        sort: '-code',
        limit: '50',
      });
    });
    // The framework filter shows the framework's name, fed by GET /api/frameworks.
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'Framework' })).toHaveValue('Baseline (1.0)'));
    expect(screen.queryByRole('link', { name: /new control/i })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();
  });

  it('offers New control with controls:write', async () => {
    serve(writer);
    renderAt('/controls', [{ path: '/controls', element: <ControlsListPage /> }]);
    expect(await screen.findByRole('link', { name: 'New control' })).toHaveAttribute('href', '/controls/new');
  });
});
