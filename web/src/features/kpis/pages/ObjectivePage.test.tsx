import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { READER, WRITER, callsTo, fail, kpi, objective, one, serve } from '../testData';
import type { PastObjective } from '../types';
import { ObjectivePage } from './ObjectivePage';

afterEach(() => vi.unstubAllGlobals());

const routes = [{ path: '/objectives/:id', element: <ObjectivePage /> }];
const AT = '2026-03-01T00:00:00.000Z';

const detail = { ...objective, kpi_count: 1, on_target_count: 0, kpis: [kpi], version: 3 };
const then: PastObjective = {
  ...objective,
  name: 'Resilience',
  description: 'First draft.',
  owner_id: 1,
  period_end: null,
  version: 1,
  kpi_count: null,
  on_target_count: null,
  kpis: null,
};

/** The objective now, and `past` (or a 404) for any read with as_of. */
function objectiveApi(auth: unknown, past: PastObjective | null = then) {
  return serve(auth, (url) => {
    if (url.pathname !== '/api/objectives/1') return null;
    if (!url.searchParams.get('as_of')) return one(detail);
    return past ? one(past) : fail(404, 'NOT_FOUND', `objective not found as of ${url.searchParams.get('as_of')}`);
  });
}

describe('ObjectivePage', () => {
  it('shows the objective with its KPIs, and the write actions to a writer', async () => {
    objectiveApi(WRITER);
    renderAt('/objectives/1', routes);
    expect(
      await screen.findByRole('heading', { level: 1, name: '#1 Strengthen operational resilience' }),
    ).toBeInTheDocument();
    expect(screen.getByText('1 KPI, 0 on target')).toBeInTheDocument();
    const table = within(screen.getByRole('region', { name: 'KPIs of the objective' }));
    expect(table.getByRole('link', { name: 'System availability' })).toHaveAttribute('href', '/kpis/1');
    expect(screen.getByRole('link', { name: 'Edit' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add a KPI' })).toBeInTheDocument();
    expect(screen.queryByText('Historical view')).not.toBeInTheDocument();
  });

  it('shows the objective as it stood at the time in the URL, without write actions or a KPI list of then', async () => {
    const fetch = objectiveApi(WRITER);
    renderAt(`/objectives/1?as_of=${AT}`, routes);
    expect(await screen.findByRole('heading', { level: 1, name: '#1 Resilience' })).toBeInTheDocument();
    expect(screen.getByText('Historical view')).toBeInTheDocument();
    expect(callsTo(fetch, '/api/objectives/1').some((c) => c.url.searchParams.get('as_of') === AT)).toBe(true);
    expect(screen.getByText('First draft.')).toBeInTheDocument();
    expect(screen.getByText('from 2026-01-01')).toBeInTheDocument(); // period_end was not set then
    expect(screen.queryByText('2026-01-01 to 2026-12-31')).not.toBeInTheDocument();
    expect(screen.queryByText('1 KPI, 0 on target')).not.toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'KPIs of the objective' })).not.toBeInTheDocument();
    // The KPIs serving it now open as they stood at the same time.
    const kpis = within(screen.getByRole('region', { name: 'KPIs' }));
    expect(kpis.getByText(/not rebuilt here/)).toBeInTheDocument();
    expect(kpis.getByRole('link', { name: 'System availability' })).toHaveAttribute(
      'href',
      `/kpis/1?as_of=${encodeURIComponent(AT)}`,
    );
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Add a KPI' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    expect(
      await screen.findByRole('heading', { level: 1, name: '#1 Strengthen operational resilience' }),
    ).toBeInTheDocument();
    expect(screen.getByText('1 KPI, 0 on target')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Edit' })).toBeInTheDocument();
  });

  it('picks a time and says when the objective had not been set yet', async () => {
    const fetch = objectiveApi(READER, null);
    renderAt('/objectives/1', routes);
    await screen.findByRole('heading', { level: 1, name: '#1 Strengthen operational resilience' });
    fireEvent.change(screen.getByLabelText('View as of (your local time)'), {
      target: { value: '2025-06-01T08:30:00' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(await screen.findByText('The objective had not been set yet at that time.')).toBeInTheDocument();
    const at = new Date('2025-06-01T08:30:00').toISOString();
    expect(callsTo(fetch, '/api/objectives/1').some((c) => c.url.searchParams.get('as_of') === at)).toBe(true);
    expect(screen.queryByRole('region', { name: 'KPIs' })).not.toBeInTheDocument();
  });
});
