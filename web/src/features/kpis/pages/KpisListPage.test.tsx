import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { READER, WRITER, callsTo, kpi, objective, page, serve } from '../testData';
import { KpisListPage } from './KpisListPage';
import { ObjectivesPage } from './ObjectivesPage';

afterEach(() => vi.unstubAllGlobals());

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}

const stale = {
  ...kpi,
  id: 2,
  name: 'Policy exceptions',
  on_target: true,
  stale: true,
  last_due_period: '2026-09',
  latest_period: '2026-08',
};
const empty = { ...kpi, id: 3, name: 'Unmeasured KPI', on_target: null, latest_value: null, latest_period: null };

describe('KpisListPage', () => {
  it('passes the URL filters to the API and shows on/off target and stale in words', async () => {
    const fetch = serve(READER, (url) => (url.pathname === '/api/kpis' ? page([kpi, stale, empty], 'n1') : null));
    renderAt('/kpis?objective_id=1&owner_id=2&on_target=false&stale=true&frequency=monthly&q=up&sort=-name', [
      {
        path: '/kpis',
        element: (
          <>
            <KpisListPage />
            <Search />
          </>
        ),
      },
    ]);
    const row = (name: string) => screen.getByRole('link', { name }).closest('tr')!;
    await screen.findByRole('link', { name: 'System availability' });
    expect(within(row('System availability')).getByText('Off target')).toBeInTheDocument();
    expect(within(row('System availability')).queryByText('Stale')).not.toBeInTheDocument();
    expect(within(row('Policy exceptions')).getByText('On target')).toBeInTheDocument();
    expect(within(row('Policy exceptions')).getByText('Stale').closest('[title]')).toHaveAttribute(
      'title',
      'Stale: no value for September 2026, due by 2026-11-01.',
    );
    expect(within(row('Unmeasured KPI')).getByText('No data')).toBeInTheDocument();
    expect(Object.fromEntries(callsTo(fetch, '/api/kpis').at(-1)!.url.searchParams)).toEqual({
      objective_id: '1',
      owner_id: '2',
      on_target: 'false',
      stale: 'true',
      frequency: 'monthly',
      q: 'up',
      sort: '-name',
      limit: '50',
    });
    expect(screen.queryByRole('link', { name: 'New KPI' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toContain('cursor=n1'));
    expect(callsTo(fetch, '/api/kpis').at(-1)!.url.searchParams.get('cursor')).toBe('n1');
  });

  it('writes a chosen filter into the URL', async () => {
    serve(WRITER);
    renderAt('/kpis', [
      {
        path: '/kpis',
        element: (
          <>
            <KpisListPage />
            <Search />
          </>
        ),
      },
    ]);
    expect(await screen.findByRole('link', { name: 'New KPI' })).toHaveAttribute('href', '/kpis/new');
    fireEvent.click(screen.getByRole('textbox', { name: 'Stale' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Stale only' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?stale=true'));
  });
});

describe('ObjectivesPage', () => {
  it("shows each objective's progress as a bar and in words, with a link to its KPIs", async () => {
    serve(READER);
    renderAt('/objectives', [{ path: '/objectives', element: <ObjectivesPage /> }]);
    const link = await screen.findByRole('link', { name: objective.name });
    const row = link.closest('tr')!;
    expect(within(row).getByText('2 of 4 KPIs on target (50%)')).toBeInTheDocument();
    expect(within(row).getByRole('progressbar', { name: `${objective.name}: KPIs on target` })).toHaveAttribute(
      'aria-valuenow',
      '50',
    );
    expect(within(row).getByRole('link', { name: `KPIs of ${objective.name}` })).toHaveAttribute(
      'href',
      '/kpis?objective_id=1',
    );
  });
});
