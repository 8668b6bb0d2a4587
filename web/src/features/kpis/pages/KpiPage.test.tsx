import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { READER, WRITER, callsTo, entries, fail, kpi, one, serve } from '../testData';
import { KpiPage } from './KpiPage';

// The chart draws on a canvas jsdom lacks; its data and words are tested in chart.test.ts.
vi.mock('../components/KpiChart', () => ({ default: () => <div role="img" aria-label="chart" /> }));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const routes = [{ path: '/kpis/:id', element: <KpiPage /> }];

function kpiApi(auth: unknown, post?: (body: Record<string, unknown>) => { status?: number; body: unknown }) {
  return serve(auth, (url, init) => {
    if (url.pathname === '/api/kpis/1') return one(kpi);
    if (url.pathname === '/api/kpis/1/performance' && init.method === 'POST' && post) {
      return post(JSON.parse(String(init.body)));
    }
    if (url.pathname === '/api/kpis/1/performance') return one(entries);
    return null;
  });
}

describe('KpiPage', () => {
  it('shows the standing in words, and every value with its corrections', async () => {
    kpiApi(READER);
    renderAt('/kpis/1', routes);
    expect(await screen.findByRole('heading', { level: 1, name: '#1 System availability' })).toBeInTheDocument();
    expect(screen.getByText('Off target: 99.82% for November 2026 (target at least 99.9%).')).toBeInTheDocument();
    const table = within(await screen.findByRole('region', { name: 'Performance' }));
    const correction = table.getByText('Reconciled with the ledger.').closest('tr')!;
    expect(within(correction).getByText('Correction')).toBeInTheDocument();
    expect(within(correction).getByText('99.83%')).toBeInTheDocument(); // the value it replaced
    expect(within(correction).getByText('Ada')).toBeInTheDocument();
    expect(table.getByText('replaced later')).toBeInTheDocument();
    // A reader gets no form.
    expect(screen.queryByRole('region', { name: 'Record a value' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
  });

  it('records a value for the next period, sending If-Match', async () => {
    const fetch = kpiApi(WRITER, () => ({ status: 201, body: { success: true, data: { ...kpi, version: 6 } } }));
    renderAt('/kpis/1', routes);
    const form = within(await screen.findByRole('form', { name: 'Record a value' }));
    expect(form.getByLabelText(/Period \(month\)/)).toHaveValue('2026-12');
    fireEvent.change(form.getByRole('textbox', { name: 'Value (%)' }), { target: { value: '99.95' } });
    expect(form.queryByText('This is a correction')).not.toBeInTheDocument();
    fireEvent.click(form.getByRole('button', { name: 'Record value' }));
    await waitFor(() => expect(callsTo(fetch, '/api/kpis/1/performance', 'POST')).toHaveLength(1));
    const call = callsTo(fetch, '/api/kpis/1/performance', 'POST')[0];
    expect(JSON.parse(String(call.init.body))).toEqual({ period: '2026-12', value: 99.95 });
    expect((call.init.headers as Record<string, string>)['If-Match']).toBe('"5"');
    expect(await form.findByText('Recorded: 99.95% for December 2026.')).toBeInTheDocument();
  });

  it('says a period with a value is a correction and requires the comment before sending', async () => {
    const fetch = kpiApi(WRITER, () => ({ body: { success: true, data: kpi } }));
    renderAt('/kpis/1', routes);
    const form = within(await screen.findByRole('form', { name: 'Record a value' }));
    fireEvent.change(form.getByLabelText(/Period \(month\)/), { target: { value: '2026-10' } });
    fireEvent.change(form.getByRole('textbox', { name: 'Value (%)' }), { target: { value: '99.8' } });
    expect(form.getByText('This is a correction')).toBeInTheDocument();
    expect(form.getByText(/October 2026 already has the value 99.79%/)).toBeInTheDocument();
    fireEvent.click(form.getByRole('button', { name: 'Save correction' }));
    expect(await form.findByText('is required to correct a value: say why it changes')).toBeInTheDocument();
    expect(callsTo(fetch, '/api/kpis/1/performance', 'POST')).toHaveLength(0);

    fireEvent.change(form.getByRole('textbox', { name: /Why the value is corrected/ }), {
      target: { value: 'Late ticket closed' },
    });
    fireEvent.click(form.getByRole('button', { name: 'Save correction' }));
    await waitFor(() => expect(callsTo(fetch, '/api/kpis/1/performance', 'POST')).toHaveLength(1));
    expect(JSON.parse(String(callsTo(fetch, '/api/kpis/1/performance', 'POST')[0].init.body))).toEqual({
      period: '2026-10',
      value: 99.8,
      comment: 'Late ticket closed',
    });
    expect(await form.findByText('Corrected: 99.8% for October 2026.')).toBeInTheDocument();
  });

  it("shows the server's refusal beside the field", async () => {
    kpiApi(WRITER, () => fail(400, 'VALIDATION_ERROR', 'Invalid input', { period: 'has not begun yet' }));
    renderAt('/kpis/1', routes);
    const form = within(await screen.findByRole('form', { name: 'Record a value' }));
    fireEvent.change(form.getByRole('textbox', { name: 'Value (%)' }), { target: { value: '1' } });
    fireEvent.click(form.getByRole('button', { name: 'Record value' }));
    expect(await form.findByText('has not begun yet')).toBeInTheDocument();
  });
  it('shows the KPI as it stood at the time in the URL, with only the values recorded by then', async () => {
    const then = {
      ...kpi,
      name: 'Availability',
      latest_value: 99.83,
      latest_period: '2026-10',
      on_target: false,
      version: 3,
    };
    const fetch = serve(WRITER, (url) => {
      if (url.pathname === '/api/kpis/1') return one(url.searchParams.get('as_of') ? then : kpi);
      if (url.pathname === '/api/kpis/1/performance') return one(entries);
      return null;
    });
    renderAt('/kpis/1?as_of=2026-11-01T00:00:00.000Z', routes);
    expect(await screen.findByRole('heading', { level: 1, name: '#1 Availability' })).toBeInTheDocument();
    expect(screen.getByText('Historical view')).toBeInTheDocument();
    expect(
      callsTo(fetch, '/api/kpis/1').some((c) => c.url.searchParams.get('as_of') === '2026-11-01T00:00:00.000Z'),
    ).toBe(true);
    expect(screen.getByText('Off target: 99.83% for October 2026 (target at least 99.9%).')).toBeInTheDocument();
    const table = within(await screen.findByRole('region', { name: 'Performance' }));
    expect(table.queryByText('Reconciled with the ledger.')).not.toBeInTheDocument();
    expect(table.getAllByRole('row')).toHaveLength(3);
    expect(screen.queryByRole('region', { name: 'Record a value' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    expect(await screen.findByRole('heading', { level: 1, name: '#1 System availability' })).toBeInTheDocument();
    expect(await screen.findByRole('region', { name: 'Record a value' })).toBeInTheDocument();
  });

  it('picks a time and says when the KPI was not defined yet', async () => {
    const fetch = serve(READER, (url) => {
      if (url.pathname === '/api/kpis/1') {
        return url.searchParams.get('as_of') ? fail(404, 'NOT_FOUND', 'KPI not found as of then') : one(kpi);
      }
      if (url.pathname === '/api/kpis/1/performance') return one(entries);
      return null;
    });
    renderAt('/kpis/1', routes);
    await screen.findByRole('heading', { level: 1, name: '#1 System availability' });
    fireEvent.change(screen.getByLabelText('View as of (your local time)'), {
      target: { value: '2025-06-01T08:30:00' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(await screen.findByText('The KPI had not been defined yet at that time.')).toBeInTheDocument();
    const at = new Date('2025-06-01T08:30:00').toISOString();
    expect(callsTo(fetch, '/api/kpis/1').some((c) => c.url.searchParams.get('as_of') === at)).toBe(true);
  });
});
