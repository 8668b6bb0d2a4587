import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { VIEWER, WRITER, callsTo, finding, page, serve } from '../testData';
import { FindingsListPage } from './FindingsListPage';

afterEach(() => vi.unstubAllGlobals());

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}

const routes = [
  {
    path: '/findings',
    element: (
      <>
        <FindingsListPage />
        <Search />
      </>
    ),
  },
];

const onTime = { ...finding, id: 9, title: 'Leavers keep access', overdue: false, due_date: '2099-01-01' };

describe('FindingsListPage', () => {
  it('passes every URL filter to the API and marks overdue rows in words', async () => {
    const fetch = serve(VIEWER, (url) => (url.pathname === '/api/findings' ? page([finding, onTime]) : null));
    renderAt(
      '/findings?engagement_id=3&status=Open&severity=High&assigned_to=2&overdue=true&open=true&risk_rating=none&q=pay&sort=due_date',
      routes,
    );
    const row = (await screen.findByRole('link', { name: finding.title })).closest('tr')!;
    expect(within(row).getByText('Overdue')).toBeInTheDocument();
    expect(row).toHaveAttribute('data-overdue', 'true');
    const other = screen.getByRole('link', { name: onTime.title }).closest('tr')!;
    expect(within(other).queryByText('Overdue')).not.toBeInTheDocument();
    expect(within(row).getByRole('link', { name: 'Payroll audit' })).toHaveAttribute('href', '/engagements/3');

    const q = callsTo(fetch, '/api/findings').at(-1)!.url.searchParams;
    expect(Object.fromEntries(q)).toEqual({
      engagement_id: '3',
      status: 'Open',
      severity: 'High',
      assigned_to: '2',
      overdue: 'true',
      open: 'true',
      risk_rating: 'none',
      q: 'pay',
      sort: 'due_date',
      limit: '50',
    });
    expect(screen.queryByRole('link', { name: 'Raise finding' })).not.toBeInTheDocument();
  });

  it('writes filter changes into the URL', async () => {
    const fetch = serve(WRITER);
    renderAt('/findings?open=true', routes);
    expect(await screen.findByRole('link', { name: 'Raise finding' })).toHaveAttribute('href', '/findings/new');
    fireEvent.click(screen.getByRole('textbox', { name: 'Linked risk rating' }));
    fireEvent.click(await screen.findByRole('option', { name: 'No linked risk' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?open=true&risk_rating=none'));
    fireEvent.click(screen.getByRole('textbox', { name: 'Overdue' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Overdue' }));
    await waitFor(() =>
      expect(screen.getByTestId('search').textContent).toBe('?overdue=true&open=true&risk_rating=none'),
    );
    await waitFor(() => expect(callsTo(fetch, '/api/findings').at(-1)!.url.searchParams.get('overdue')).toBe('true'));
  });
});
