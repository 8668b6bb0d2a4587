import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { FrameworksListPage } from './FrameworksListPage';

afterEach(() => vi.unstubAllGlobals());

const framework = {
  id: 2,
  name: 'Vendor Data Protection Checklist',
  version: '2.1',
  description: '',
  source: 'import',
  requirement_count: 12,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });

describe('FrameworksListPage', () => {
  it('lists frameworks with their requirement count and hides write buttons from readers', async () => {
    mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: as(['controls:read']) };
      return { body: { success: true, data: [framework], meta: { total: 1, limit: 50, next_cursor: null } } };
    });
    renderAt('/frameworks', [{ path: '/frameworks', element: <FrameworksListPage /> }]);
    const link = await screen.findByRole('link', { name: framework.name });
    expect(link).toHaveAttribute('href', '/frameworks/2');
    expect(within(link.closest('tr')!).getByText('12')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Import' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New framework' })).not.toBeInTheDocument();
  });

  it('sends the file as CSV and lists the per-line errors in line order', async () => {
    const fetch = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/status') return { body: as(['controls:read', 'controls:write']) };
      if (url.pathname === '/api/frameworks/import' && init.method === 'POST')
        return {
          status: 400,
          body: {
            success: false,
            error: {
              code: 'VALIDATION_ERROR',
              message: 'the file has 3 bad rows; nothing was imported',
              fields: { 'line 10': 'duplicate code A.1', 'line 4': 'title is required', 'line 12': 'code is required' },
            },
          },
        };
      return { body: { success: true, data: [], meta: { total: 0, limit: 50, next_cursor: null } } };
    });
    renderAt('/frameworks', [{ path: '/frameworks', element: <FrameworksListPage /> }]);
    fireEvent.click(await screen.findByRole('button', { name: 'Import' }));
    const dialog = await screen.findByRole('dialog');
    const input = dialog.querySelector('input[type="file"]') as HTMLInputElement;
    expect(input).toHaveAttribute('accept', '.csv,.json');
    const csv = 'framework,version,code,title\nX,1,A.1,First\n';
    fireEvent.change(input, { target: { files: [new File([csv], 'x.csv', { type: 'text/csv' })] } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Import' }));
    const list = await screen.findByRole('list', { name: 'Problems in the file' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      'Line 4: title is required',
      'Line 10: duplicate code A.1',
      'Line 12: code is required',
    ]);
    await waitFor(() => {
      const post = fetch.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'POST');
      const init = post![1] as RequestInit;
      expect((init.headers as Record<string, string>)['Content-Type']).toBe('text/csv');
      expect(init.body).toBe(csv);
    });
  });
});
