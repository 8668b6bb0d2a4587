import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { FrameworkPage } from './FrameworkPage';

afterEach(() => vi.unstubAllGlobals());

const framework = {
  id: 2,
  name: 'Strata Baseline Security',
  version: '1.0',
  description: 'Baseline',
  source: 'import',
  requirement_count: 2,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  requirements: [
    { id: 31, framework_id: 2, code: 'BS-1', title: 'Inventory', description: '' },
    { id: 32, framework_id: 2, code: 'BS-2', title: 'Backups', description: 'Daily' },
  ],
};
const coverage = {
  framework_id: 2,
  requirements_total: 2,
  requirements_covered: 1,
  coverage_percent: 50,
  requirements: [
    {
      id: 31,
      code: 'BS-1',
      title: 'Inventory',
      covered: true,
      controls: [{ id: 7, code: 'AM-1', title: 'Asset register', status: 'Active', effectiveness: 'Effective' }],
    },
    { id: 32, code: 'BS-2', title: 'Backups', covered: false, controls: [] },
  ],
};
const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });

const AT = '2026-01-15T00:00:00.000Z';
/** The framework at AT: its first requirement only. */
const then = {
  ...framework,
  requirement_count: 1,
  updated_at: '2026-01-01T00:00:00Z',
  requirements: [framework.requirements[1]],
};

/** The framework now, and `past` (or a 404) for any read with as_of. */
function serve(perms: string[], past: typeof then | null = then) {
  return mockFetch((url) => {
    if (url.pathname === '/api/auth/status') return { body: as(perms) };
    if (url.pathname === '/api/frameworks/2/coverage') return { body: { success: true, data: coverage } };
    if (url.pathname === '/api/frameworks/2/history') return { body: { success: true, data: [] } };
    if (url.searchParams.get('as_of')) {
      return past
        ? { body: { success: true, data: past } }
        : {
            status: 404,
            body: { success: false, error: { code: 'NOT_FOUND', message: 'framework not found', request_id: 'r1' } },
          };
    }
    return { body: { success: true, data: framework } };
  });
}

const asOfCalls = (fetch: ReturnType<typeof mockFetch>) =>
  fetch.mock.calls
    .map((c) => new URL(String(c[0]), 'http://x'))
    .filter((u) => u.pathname === '/api/frameworks/2' && u.searchParams.has('as_of'))
    .map((u) => u.searchParams.get('as_of'));

describe('FrameworkPage', () => {
  it('shows the requirements and the coverage with covered yes/no and control links', async () => {
    serve(['controls:read']);
    renderAt('/frameworks/2', [{ path: '/frameworks/:id', element: <FrameworkPage /> }]);
    expect(
      await screen.findByRole('heading', { level: 1, name: 'Strata Baseline Security (1.0)' }),
    ).toBeInTheDocument();
    const cov = screen.getByRole('region', { name: 'Coverage' });
    expect(await within(cov).findByText('50% covered')).toBeInTheDocument();
    expect(within(cov).getByText('1 of 2 requirements covered')).toBeInTheDocument();
    const rows = within(cov).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('Yes');
    expect(within(rows[1]).getByRole('link', { name: 'AM-1 Asset register' })).toHaveAttribute('href', '/controls/7');
    expect(rows[2]).toHaveTextContent('No');
    expect(within(screen.getByRole('region', { name: 'Requirements' })).getByText('Daily')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add requirement' })).not.toBeInTheDocument();
  });

  it('offers the requirement form with controls:write', async () => {
    serve(['controls:read', 'controls:write']);
    renderAt('/frameworks/2', [{ path: '/frameworks/:id', element: <FrameworkPage /> }]);
    expect(await screen.findByRole('button', { name: 'Add requirement' })).toBeInTheDocument();
  });

  it('shows the requirements it held at the time in the URL, without coverage or the form', async () => {
    const fetch = serve(['controls:read', 'controls:write']);
    renderAt(`/frameworks/2?as_of=${AT}`, [{ path: '/frameworks/:id', element: <FrameworkPage /> }]);
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    const reqs = within(await screen.findByRole('region', { name: 'Requirements' }));
    expect(reqs.getByText('Backups')).toBeInTheDocument();
    expect(reqs.queryByText('Inventory')).not.toBeInTheDocument();
    expect(asOfCalls(fetch)).toContain(AT);
    expect(within(screen.getByRole('region', { name: 'Coverage' })).getByText(/present only/)).toBeInTheDocument();
    expect(screen.queryByTestId('coverage-summary')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add requirement' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    expect(await screen.findByRole('button', { name: 'Add requirement' })).toBeInTheDocument();
    expect(within(screen.getByRole('region', { name: 'Requirements' })).getByText('Inventory')).toBeInTheDocument();
    expect(await screen.findByTestId('coverage-summary')).toBeInTheDocument();
  });

  it('picks a time and says when the framework did not exist yet', async () => {
    const fetch = serve(['controls:read'], null);
    renderAt('/frameworks/2', [{ path: '/frameworks/:id', element: <FrameworkPage /> }]);
    await screen.findByRole('heading', { level: 1, name: 'Strata Baseline Security (1.0)' });
    fireEvent.change(screen.getByLabelText('View as of (your local time)'), {
      target: { value: '2025-06-01T08:30:00' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(await screen.findByText('The framework did not exist at that time.')).toBeInTheDocument();
    expect(asOfCalls(fetch)).toContain(new Date('2025-06-01T08:30:00').toISOString());
    expect(screen.queryByRole('region', { name: 'Requirements' })).not.toBeInTheDocument();
  });
});
