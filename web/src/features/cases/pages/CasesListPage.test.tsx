import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { INVESTIGATOR, READER, callsTo, openCase, page, serve } from '../testData';
import { CasesListPage } from './CasesListPage';

afterEach(() => vi.unstubAllGlobals());

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}

const routes = [
  {
    path: '/cases',
    element: (
      <>
        <CasesListPage />
        <Search />
      </>
    ),
  },
];

describe('CasesListPage', () => {
  it('passes the URL filters to the API, marks confidential cases in words, and pages', async () => {
    const fetch = serve(READER, (url) => (url.pathname === '/api/cases' ? page([openCase], 'n1') : null));
    renderAt('/cases?status=new&priority=high&type=fraud&confidential=true&q=sales&sort=-priority', routes);
    const link = await screen.findByRole('link', { name: 'Expense fraud in sales' });
    expect(link).toHaveAttribute('href', '/cases/4');
    const row = link.closest('tr')!;
    expect(within(row).getByText('Confidential')).toBeInTheDocument();
    expect(within(row).getByText('High')).toBeInTheDocument();
    const q = callsTo(fetch, '/api/cases').at(-1)!.url.searchParams;
    expect(Object.fromEntries(q)).toEqual({
      status: 'new',
      priority: 'high',
      type: 'fraud',
      confidential: 'true',
      q: 'sales',
      sort: '-priority',
      limit: '50',
    });
    expect(screen.queryByRole('link', { name: 'New case' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toContain('cursor=n1'));
    expect(callsTo(fetch, '/api/cases').at(-1)!.url.searchParams.get('cursor')).toBe('n1');
  });

  it('offers only investigators as assignees and writes the choice into the URL', async () => {
    const fetch = serve(INVESTIGATOR);
    renderAt('/cases?cursor=c1&prev=', routes);
    expect(await screen.findByRole('link', { name: 'New case' })).toHaveAttribute('href', '/cases/new');
    fireEvent.click(screen.getByRole('textbox', { name: 'Assignee' }));
    expect(await screen.findByRole('option', { name: 'Dana' })).toBeInTheDocument();
    expect(screen.queryByRole('option', { name: 'Sam' })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('option', { name: 'Helen' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?assignee_id=1'));
    await waitFor(() => {
      const q = callsTo(fetch, '/api/cases').at(-1)!.url.searchParams;
      expect(q.get('assignee_id')).toBe('1');
      expect(q.get('cursor')).toBeNull();
    });
  });

  it('shows a board with a column per status, each read with the filters and its status', async () => {
    const fetch = serve(READER, (url) =>
      url.pathname === '/api/cases' && url.searchParams.get('status') === 'new' ? page([openCase]) : null,
    );
    renderAt('/cases?priority=high', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Board by status' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?priority=high&view=board'));
    const column = await screen.findByRole('region', { name: 'New (1)' });
    expect(within(column).getByRole('link', { name: '#4 Expense fraud in sales' })).toHaveAttribute('href', '/cases/4');
    expect(within(column).getByText('Confidential')).toBeInTheDocument();
    for (const s of ['Assigned', 'In progress', 'Review', 'Completed']) {
      expect(await screen.findByRole('region', { name: `${s} (0)` })).toBeInTheDocument();
    }
    const statuses = callsTo(fetch, '/api/cases')
      .filter((c) => c.url.searchParams.get('status'))
      .map((c) => `${c.url.searchParams.get('status')}:${c.url.searchParams.get('priority')}`);
    expect(new Set(statuses)).toEqual(
      new Set(['new', 'assigned', 'in_progress', 'review', 'completed'].map((s) => `${s}:high`)),
    );
  });

  it('shows a column whose count stopped at the bound as a floor', async () => {
    serve(READER, (url) =>
      url.pathname === '/api/cases' && url.searchParams.get('status') === 'new'
        ? {
            body: {
              success: true,
              data: [openCase],
              meta: { total: 1000, total_capped: true, limit: 50, next_cursor: 'n2' },
            },
          }
        : null,
    );
    renderAt('/cases?view=board', routes);
    const column = await screen.findByRole('region', { name: 'New (1,000+)' });
    expect(within(column).getByText('Showing 1 of 1,000+ cases')).toBeInTheDocument();
    expect(await screen.findByRole('region', { name: 'Assigned (0)' })).toBeInTheDocument();
  });
});
