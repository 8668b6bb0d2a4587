import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, renderHook, screen, waitFor } from '@testing-library/react';
import { lazy, type ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChartCard } from '../../components/ChartCard';
import { AuthProvider } from '../../lib/auth';
import type { WebModule } from '../../lib/modules';
import { LOGGED_IN, mockFetch, renderAt } from '../../test-utils';
import DashboardPage from './DashboardPage';
import { fakeSources } from './fakeEventSource';
import { useLiveCounts } from './live';

afterEach(() => vi.unstubAllGlobals());

const AUTH = { ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions: ['dashboard:read', 'alpha:read'] } };

let chartReads = 0;
// A module's chart as modules draw theirs, through ChartCard, which follows the instant in the URL.
function AlphaChart() {
  return (
    <ChartCard title="Alphas by x" type="alpha_by_x">
      {(c) => <p>{`chart ${c.labels.join(',')}`}</p>}
    </ChartCard>
  );
}

// Two modules as the application lists them: the dashboard knows them only by what they contribute.
const MODULES: WebModule[] = [
  {
    name: 'alpha',
    routes: [],
    dashboard: {
      cards: [
        { count: 'alpha_open', label: 'Open alphas', to: '/alphas?open=true' },
        { count: 'alpha_late', label: 'Late alphas', to: '/alphas?late=true', permission: 'alpha:read' },
      ],
      Charts: lazy(async () => ({ default: AlphaChart })),
    },
  },
  {
    name: 'beta',
    routes: [],
    dashboard: { cards: [{ count: 'beta_secret', label: 'Secret betas', to: '/betas', permission: 'beta:read' }] },
  },
];

/** `past` answers GET /api/dashboard?as_of=, with the instant in meta as the API sends it. */
function dashboardApi(counts: Record<string, number>, past?: Record<string, number>) {
  chartReads = 0;
  return mockFetch((url) => {
    if (url.pathname === '/api/auth/status') return { body: AUTH };
    const asOf = url.searchParams.get('as_of');
    if (url.pathname === '/api/dashboard' && asOf && past) {
      return { body: { success: true, data: past, meta: { as_of: asOf } } };
    }
    if (url.pathname === '/api/dashboard') return { body: { success: true, data: counts } };
    if (url.pathname === '/api/dashboard/charts' && asOf) {
      return { body: { success: true, data: { chart_type: 'alpha_by_x', labels: [`as of ${asOf}`], values: [1] } } };
    }
    if (url.pathname === '/api/dashboard/charts') {
      chartReads++;
      return {
        body: { success: true, data: { chart_type: 'alpha_by_x', labels: [`read ${chartReads}`], values: [1] } },
      };
    }
    return { status: 404, body: { success: false, error: { code: 'NOT_FOUND', message: 'no' } } };
  });
}

const value = (label: string) => screen.getByText(label).parentElement!.querySelectorAll('p')[1].textContent;

describe('DashboardPage', () => {
  it("shows every module's cards the caller may see, each linking to the list it counts", async () => {
    dashboardApi({ alpha_open: 4, alpha_late: 1 });
    const sources = fakeSources();
    renderAt('/', [{ path: '/', element: <DashboardPage modules={MODULES} eventSource={sources.create} /> }]);
    await waitFor(() => expect(value('Open alphas')).toBe('4'));
    expect(screen.getByText('Open alphas').closest('a')).toHaveAttribute('href', '/alphas?open=true');
    expect(screen.getByText('Late alphas').closest('a')).toHaveAttribute('href', '/alphas?late=true');
    expect(value('Late alphas')).toBe('1');
    expect(screen.queryByText('Secret betas')).not.toBeInTheDocument();
    expect(await screen.findByText('chart read 1')).toBeInTheDocument();
  });

  it('updates the cards from the live stream without a reload, then reads the charts again', async () => {
    const fetch = dashboardApi({ alpha_open: 4, alpha_late: 1 });
    const sources = fakeSources();
    renderAt('/', [{ path: '/', element: <DashboardPage modules={MODULES} eventSource={sources.create} /> }]);
    await waitFor(() => expect(value('Open alphas')).toBe('4'));
    await screen.findByText('chart read 1');
    expect(screen.getByText('Connecting for live figures…')).toBeInTheDocument();
    const reads = fetch.mock.calls.length;

    act(() => {
      sources.last().open();
      sources.last().send({ alpha_open: 4, alpha_late: 1 });
    });
    expect(screen.getByText('Live: the figures change as records do.')).toBeInTheDocument();
    act(() => sources.last().send({ alpha_open: 5, alpha_late: 1 }));
    await waitFor(() => expect(value('Open alphas')).toBe('5'));
    // The counts came with the event: no request for them.
    expect(fetch.mock.calls.slice(reads).filter((c) => String(c[0]).startsWith('/api/dashboard?'))).toHaveLength(0);
    expect(await screen.findByText('chart read 2')).toBeInTheDocument();
  });

  it('falls back to polling when the stream fails', async () => {
    dashboardApi({ alpha_open: 4 });
    const sources = fakeSources();
    renderAt('/', [{ path: '/', element: <DashboardPage modules={MODULES} eventSource={sources.create} /> }]);
    await waitFor(() => expect(value('Open alphas')).toBe('4'));
    act(() => sources.last().fail(true));
    expect(screen.getByText('Live figures unavailable: refreshed every 15 seconds.')).toBeInTheDocument();
  });
});

describe('DashboardPage as of an instant', () => {
  const dashboardReads = (fetch: ReturnType<typeof mockFetch>) =>
    fetch.mock.calls
      .map((c) => new URL(String(c[0]), 'http://x'))
      .filter((u) => u.pathname === '/api/dashboard')
      .map((u) => u.searchParams.get('as_of'));

  it('shows the counts and charts as they stood at the time in the URL under a banner, with no stream or polling', async () => {
    const fetch = dashboardApi({ alpha_open: 9, alpha_late: 3 }, { alpha_open: 2, alpha_late: 0 });
    const sources = fakeSources();
    renderAt('/?as_of=2026-01-01T12:00:00.000Z', [
      { path: '/', element: <DashboardPage modules={MODULES} eventSource={sources.create} /> },
    ]);
    await waitFor(() => expect(value('Open alphas')).toBe('2'));
    expect(value('Late alphas')).toBe('0');
    expect(
      screen.getByText(`Dashboard as it stood at ${new Date('2026-01-01T12:00:00.000Z').toLocaleString()}`),
    ).toBeInTheDocument();
    expect(screen.getByText('Live updates paused while the dashboard shows the past.')).toBeInTheDocument();
    // The picker holds the same instant, in local time.
    const input = screen.getByLabelText<HTMLInputElement>('View as of (your local time)');
    expect(new Date(input.value).toISOString()).toBe('2026-01-01T12:00:00.000Z');
    // The cards still open their lists.
    expect(screen.getByText('Open alphas').closest('a')).toHaveAttribute('href', '/alphas?open=true');
    expect(sources.made).toHaveLength(0);
    expect(dashboardReads(fetch)).toEqual(['2026-01-01T12:00:00.000Z']);
    expect(await screen.findByText('chart as of 2026-01-01T12:00:00.000Z')).toBeInTheDocument();
    expect(chartReads).toBe(0);
  });

  it('picks a time, closing the stream, then goes back to current and reopens it', async () => {
    const fetch = dashboardApi({ alpha_open: 9, alpha_late: 3 }, { alpha_open: 2, alpha_late: 0 });
    const sources = fakeSources();
    renderAt('/', [{ path: '/', element: <DashboardPage modules={MODULES} eventSource={sources.create} /> }]);
    await waitFor(() => expect(value('Open alphas')).toBe('9'));
    await screen.findByText('chart read 1');
    act(() => sources.last().open());
    expect(screen.getByText('Live: the figures change as records do.')).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('View as of (your local time)'), {
      target: { value: '2026-01-01T08:30:00' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    const at = new Date('2026-01-01T08:30:00').toISOString();
    await waitFor(() => expect(value('Open alphas')).toBe('2'));
    expect(screen.getByText(`Dashboard as it stood at ${new Date(at).toLocaleString()}`)).toBeInTheDocument();
    expect(dashboardReads(fetch)).toContain(at);
    expect(sources.last().closed).toBe(true);
    expect(await screen.findByText(`chart as of ${at}`)).toBeInTheDocument();
    // A count pushed by the old stream after the pause must not show.
    act(() => sources.last().send({ alpha_open: 50, alpha_late: 3 }));
    expect(value('Open alphas')).toBe('2');

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    await waitFor(() => expect(value('Open alphas')).toBe('9'));
    expect(screen.queryByText(/Dashboard as it stood/)).not.toBeInTheDocument();
    expect(sources.made).toHaveLength(2);
    expect(sources.last().closed).toBe(false);
    expect(screen.getByText('Connecting for live figures…')).toBeInTheDocument();
    expect(await screen.findByText(/^chart read/)).toBeInTheDocument();
  });

  it('shows why an instant is refused', async () => {
    mockFetch((url) => {
      if (url.pathname === '/api/auth/status') return { body: AUTH };
      if (url.pathname.startsWith('/api/dashboard') && url.searchParams.get('as_of')) {
        return {
          status: 400,
          body: {
            success: false,
            error: {
              code: 'VALIDATION_ERROR',
              message: 'as_of: must not be in the future',
              fields: { as_of: 'must not be in the future' },
            },
          },
        };
      }
      return { body: { success: true, data: { alpha_open: 1 } } };
    });
    renderAt('/?as_of=2999-01-01T00:00:00.000Z', [
      { path: '/', element: <DashboardPage modules={MODULES} eventSource={fakeSources().create} /> },
    ]);
    // The counts and the chart are refused alike, each saying why.
    expect(await screen.findAllByText(/must not be in the future/)).toHaveLength(2);
  });
});

describe('useLiveCounts', () => {
  function wrapper({ children }: { children: ReactNode }) {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    return (
      <MantineProvider>
        <QueryClientProvider client={qc}>
          <MemoryRouter>
            <AuthProvider>{children}</AuthProvider>
          </MemoryRouter>
        </QueryClientProvider>
      </MantineProvider>
    );
  }
  const countReads = (fetch: ReturnType<typeof mockFetch>) =>
    fetch.mock.calls.filter((c) => new URL(String(c[0]), 'http://x').pathname === '/api/dashboard').length;

  it('polls GET /api/dashboard while there is no stream, and stops once the stream is live', async () => {
    let n = 0;
    const fetch = mockFetch((url) =>
      url.pathname === '/api/dashboard' ? { body: { success: true, data: { alpha_open: ++n } } } : { body: AUTH },
    );
    const polled = renderHook(() => useLiveCounts({ create: null, pollMs: 40 }), { wrapper });
    expect(polled.result.current.mode).toBe('polling');
    await waitFor(() => expect(countReads(fetch)).toBeGreaterThanOrEqual(3));
    await waitFor(() => expect(polled.result.current.counts.data?.alpha_open).toBeGreaterThanOrEqual(3));
    polled.unmount();

    const sources = fakeSources();
    const live = renderHook(() => useLiveCounts({ create: sources.create, pollMs: 40 }), { wrapper });
    act(() => {
      sources.last().open();
      sources.last().send({ alpha_open: 70 });
    });
    await waitFor(() => expect(live.result.current.counts.data?.alpha_open).toBe(70));
    expect(live.result.current.mode).toBe('live');
    const before = countReads(fetch);
    await new Promise((r) => setTimeout(r, 200));
    expect(countReads(fetch)).toBe(before);
    live.unmount();
    expect(sources.last().closed).toBe(true);
  });
});
