import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { ModulesContext, type ControlTestRef } from '../../../lib/modules';
import { ControlPage } from './ControlPage';

afterEach(() => vi.unstubAllGlobals());

const control = {
  id: 7,
  code: 'BK-01',
  title: 'Nightly backups',
  description: 'Copies of everything',
  framework_id: 2,
  status: 'Active',
  type: 'corrective',
  frequency: 'daily',
  owner_id: 1,
  effectiveness: 'Ineffective',
  last_tested_at: '2026-02-01T10:00:00Z',
  risk_ids: [9],
  requirement_ids: [31],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-02-01T10:00:00Z',
  version: 4,
  tests: [
    {
      id: 12,
      tested_at: '2026-02-01T10:00:00Z',
      result: 'Fail',
      notes: 'restore failed',
      recorded_by: { id: 1, name: 'Ada' },
      recorded_at: '2026-02-01T10:05:00Z',
    },
  ],
  effectiveness_history: [
    {
      effectiveness: 'Ineffective',
      previous: 'Effective',
      notes: '',
      test_id: 12,
      changed_by: { id: 1, name: 'Ada' },
      changed_at: '2026-02-01T10:05:00Z',
    },
    {
      effectiveness: 'Effective',
      previous: 'Not Tested',
      notes: 'walkthrough',
      test_id: null,
      changed_by: { id: 2, name: 'Grace' },
      changed_at: '2026-01-10T00:00:00Z',
    },
  ],
  risks: [{ id: 9, title: 'Vendor outage', status: 'Treating', rating: 'High', inherent_score: 16 }],
  requirements: [{ id: 31, framework_id: 2, framework_name: 'Baseline', code: 'BS-3', title: 'Backups exist' }],
};
const history = [
  {
    version: 4,
    event_id: 'e4',
    type: 'ControlEffectivenessUpdated',
    recorded_at: '2026-02-01T10:05:00Z',
    actor: { id: 1, name: 'Ada' },
    correlation_id: 'c',
    changes: [{ field: 'effectiveness', before: 'Effective', after: 'Ineffective' }],
  },
];

const as = (permissions: string[]) => ({ ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions } });

function serve(auth: unknown, extra?: (url: URL, init: RequestInit) => { status?: number; body: unknown } | null) {
  return mockFetch((url, init) => {
    const r = extra?.(url, init);
    if (r) return r;
    if (url.pathname === '/api/auth/status') return { body: auth };
    if (url.pathname === '/api/members') return { body: { success: true, data: [] } };
    if (url.pathname === '/api/frameworks')
      return { body: { success: true, data: [{ id: 2, name: 'Baseline', version: '' }], meta: {} } };
    if (url.pathname === '/api/controls/7/history') return { body: { success: true, data: history } };
    if (url.pathname === '/api/controls/7')
      return {
        body: {
          success: true,
          data: url.searchParams.get('as_of')
            ? { ...control, title: 'Old title', effectiveness: 'Effective' }
            : control,
        },
      };
    return { status: 404, body: { success: false, error: { code: 'NOT_FOUND', message: 'no' } } };
  });
}

describe('ControlPage', () => {
  it("shows other modules' actions beside each test, and no Actions column without them", async () => {
    serve(as(['controls:read']));
    const Action = ({ controlId, testId, result }: ControlTestRef) => (
      <span>
        act {controlId}/{testId}/{result}
      </span>
    );
    renderAt('/controls/7', [
      {
        path: '/controls/:id',
        element: (
          <ModulesContext.Provider value={[{ name: 'other', routes: [], slots: { controlTestActions: Action } }]}>
            <ControlPage />
          </ModulesContext.Provider>
        ),
      },
    ]);
    const tests = await screen.findByRole('region', { name: 'Tests' });
    expect(within(tests).getByRole('columnheader', { name: 'Actions' })).toBeInTheDocument();
    expect(within(tests).getByText('act 7/12/Fail')).toBeInTheDocument();
  });

  it('shows details, tests, effectiveness history with the test named, risks, requirements and history', async () => {
    serve(as(['members:read', 'controls:read']));
    renderAt('/controls/7', [{ path: '/controls/:id', element: <ControlPage /> }]);
    expect(await screen.findByRole('heading', { level: 1, name: 'BK-01 Nightly backups' })).toBeInTheDocument();
    const eff = screen.getByRole('region', { name: 'Effectiveness history' });
    const rows = within(eff).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('Test #12 (Fail)');
    expect(rows[1]).toHaveTextContent('Effective → Ineffective');
    expect(rows[2]).toHaveTextContent('Grace');
    expect(rows[2]).toHaveTextContent('walkthrough');
    const tests = screen.getByRole('region', { name: 'Tests' });
    expect(within(tests).getByText('restore failed')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '#9 Vendor outage' })).toHaveAttribute('href', '/risks/9');
    expect(screen.getByRole('link', { name: 'Baseline' })).toHaveAttribute('href', '/frameworks/2');
    expect(await screen.findByText(/Effective → Ineffective/, { selector: 'li' })).toBeInTheDocument();
    for (const name of ['Record test', 'Change effectiveness', 'Map requirement']) {
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    }
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
  });

  it('offers Record test to a tester who may not write, and posts the test', async () => {
    const fetch = serve(as(['controls:read', 'controls:test']), (url, init) =>
      url.pathname === '/api/controls/7/tests' && init.method === 'POST'
        ? { status: 201, body: { success: true, data: control } }
        : null,
    );
    renderAt('/controls/7', [{ path: '/controls/:id', element: <ControlPage /> }]);
    fireEvent.click(await screen.findByRole('button', { name: 'Record test' }));
    expect(screen.queryByRole('button', { name: 'Change effectiveness' })).not.toBeInTheDocument();
    const when = await screen.findByLabelText(/tested at/i);
    expect((when as HTMLInputElement).value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/);
    fireEvent.change(when, { target: { value: '2026-02-03T09:30:00' } });
    fireEvent.click(screen.getByRole('textbox', { name: /result/i }));
    fireEvent.click(await screen.findByRole('option', { name: 'Pass' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Notes' }), { target: { value: 'ok' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save test' }));
    await waitFor(() => {
      const post = fetch.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'POST');
      expect(post).toBeTruthy();
      const body = JSON.parse(String((post![1] as RequestInit).body));
      expect(body).toEqual({ tested_at: new Date('2026-02-03T09:30:00').toISOString(), result: 'Pass', notes: 'ok' });
    });
  });

  it('shows the field errors of an effectiveness change', async () => {
    serve(as(['controls:read', 'controls:write']), (url, init) =>
      url.pathname === '/api/controls/7/effectiveness' && init.method === 'PUT'
        ? {
            status: 400,
            body: {
              success: false,
              error: { code: 'VALIDATION_ERROR', message: 'notes: are required', fields: { notes: 'are required' } },
            },
          }
        : null,
    );
    renderAt('/controls/7', [{ path: '/controls/:id', element: <ControlPage /> }]);
    expect(await screen.findByRole('link', { name: 'Edit' })).toHaveAttribute('href', '/controls/7/edit');
    expect(screen.getByRole('button', { name: 'Map requirement' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Unmap requirement BS-3 of Baseline' })).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Change effectiveness' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Save effectiveness' }));
    expect(await screen.findByText('are required')).toBeInTheDocument();
  });

  it('reads the tests and rating changes after the first page from their list routes', async () => {
    const older = (id: number, day: number) => ({
      id,
      tested_at: `2026-01-${String(day).padStart(2, '0')}T10:00:00Z`,
      result: 'Pass',
      notes: `older test ${id}`,
      recorded_by: { id: 1, name: 'Ada' },
      recorded_at: `2026-01-${String(day).padStart(2, '0')}T10:05:00Z`,
    });
    const paged = {
      ...control,
      tests_total: 4,
      tests_next_cursor: 'tests-2',
      effectiveness_history: control.effectiveness_history.slice(0, 1),
      effectiveness_history_total: 2,
      effectiveness_history_next_cursor: 'eff-2',
    };
    const fetch = serve(as(['controls:read']), (url) => {
      if (url.pathname === '/api/controls/7')
        return url.searchParams.get('as_of') ? null : { body: { success: true, data: paged } };
      if (url.pathname === '/api/controls/7/tests') {
        const cursor = url.searchParams.get('cursor');
        if (cursor === 'tests-2')
          return {
            body: { success: true, data: [older(11, 20)], meta: { total: 4, limit: 50, next_cursor: 'tests-3' } },
          };
        if (cursor === 'tests-3')
          return {
            body: {
              success: true,
              data: [older(10, 10), older(9, 5)],
              meta: { total: 4, limit: 50, next_cursor: null },
            },
          };
      }
      if (url.pathname === '/api/controls/7/effectiveness-history' && url.searchParams.get('cursor') === 'eff-2')
        return {
          body: {
            success: true,
            data: control.effectiveness_history.slice(1),
            meta: { total: 2, limit: 50, next_cursor: null },
          },
        };
      return null;
    });
    renderAt('/controls/7', [{ path: '/controls/:id', element: <ControlPage /> }]);
    const tests = await screen.findByRole('region', { name: 'Tests' });
    expect(within(tests).getByText('Showing 1 of 4 tests')).toBeInTheDocument();
    fireEvent.click(within(tests).getByRole('button', { name: 'Load more tests' }));
    expect(await within(tests).findByText('older test 11')).toBeInTheDocument();
    expect(within(tests).getByText('Showing 2 of 4 tests')).toBeInTheDocument();
    fireEvent.click(within(tests).getByRole('button', { name: 'Load more tests' }));
    expect(await within(tests).findByText('older test 9')).toBeInTheDocument();
    // Newest first across pages, and nothing more to load once the total is reached.
    const rows = within(tests).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0].textContent)).toEqual(['#12', '#11', '#10', '#9']);
    expect(within(tests).queryByRole('button', { name: 'Load more tests' })).not.toBeInTheDocument();
    expect(within(tests).queryByText(/Showing/)).not.toBeInTheDocument();

    const eff = screen.getByRole('region', { name: 'Effectiveness history' });
    expect(within(eff).getAllByRole('row')).toHaveLength(2);
    fireEvent.click(within(eff).getByRole('button', { name: 'Load more changes' }));
    expect(await within(eff).findByText('walkthrough')).toBeInTheDocument();
    expect(within(eff).getAllByRole('row')).toHaveLength(3);

    const cursors = fetch.mock.calls
      .map((c) => new URL(String(c[0]), 'http://x'))
      .filter((u) => u.pathname !== '/api/controls/7' && u.searchParams.has('cursor'))
      .map((u) => `${u.pathname}?${u.searchParams.get('cursor')}`);
    expect(cursors).toEqual([
      '/api/controls/7/tests?tests-2',
      '/api/controls/7/tests?tests-3',
      '/api/controls/7/effectiveness-history?eff-2',
    ]);
  });

  it('says how many tests a past view holds without offering the present ones', async () => {
    serve(as(['controls:read']), (url) =>
      url.pathname === '/api/controls/7' && url.searchParams.get('as_of')
        ? { body: { success: true, data: { ...control, tests_total: 5, tests_next_cursor: null } } }
        : null,
    );
    renderAt('/controls/7?as_of=2026-01-05T00:00:00.000Z', [{ path: '/controls/:id', element: <ControlPage /> }]);
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    const tests = await screen.findByRole('region', { name: 'Tests' });
    expect(within(tests).getByText('Showing 1 of 5 tests')).toBeInTheDocument();
    expect(within(tests).queryByRole('button', { name: 'Load more tests' })).not.toBeInTheDocument();
  });

  it('asks the API for the control as of the time in the URL', async () => {
    const fetch = serve(as(['controls:read', 'controls:write']));
    renderAt('/controls/7?as_of=2026-01-05T00:00:00.000Z', [{ path: '/controls/:id', element: <ControlPage /> }]);
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { level: 1, name: 'BK-01 Old title' })).toBeInTheDocument();
    expect(
      fetch.mock.calls.some(
        (c) => new URL(String(c[0]), 'http://x').searchParams.get('as_of') === '2026-01-05T00:00:00.000Z',
      ),
    ).toBe(true);
    expect(screen.queryByRole('button', { name: 'Change effectiveness' })).not.toBeInTheDocument();
  });
});
