import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { VIEWER, WRITER, callsTo, engagement, page, serve } from '../testData';
import { EngagementsListPage } from './EngagementsListPage';

afterEach(() => vi.unstubAllGlobals());

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}

const routes = [
  {
    path: '/engagements',
    element: (
      <>
        <EngagementsListPage />
        <Search />
      </>
    ),
  },
];

describe('EngagementsListPage', () => {
  it('passes the URL filters to the API, pages, and shows no New to a viewer', async () => {
    const fetch = serve(VIEWER, (url) => (url.pathname === '/api/engagements' ? page([engagement], 'n1') : null));
    renderAt('/engagements?phase=Review&status=On+Track&active=true&q=pay', routes);
    expect(await screen.findByRole('link', { name: 'Payroll audit' })).toHaveAttribute('href', '/engagements/3');
    const q = callsTo(fetch, '/api/engagements').at(-1)!.url.searchParams;
    expect(q.get('phase')).toBe('Review');
    expect(q.get('status')).toBe('On Track');
    expect(q.get('active')).toBe('true');
    expect(q.get('q')).toBe('pay');
    expect(screen.getByRole('button', { name: 'Next' })).toBeEnabled();
    expect(screen.queryByRole('link', { name: 'New engagement' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toContain('cursor=n1'));
    expect(callsTo(fetch, '/api/engagements').at(-1)!.url.searchParams.get('cursor')).toBe('n1');
  });

  it('writes a chosen filter into the URL and starts from the first page', async () => {
    const fetch = serve(WRITER);
    renderAt('/engagements?cursor=c1&prev=', routes);
    expect(await screen.findByRole('link', { name: 'New engagement' })).toHaveAttribute('href', '/engagements/new');
    fireEvent.click(screen.getByRole('textbox', { name: 'Status' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Delayed' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?status=Delayed'));
    await waitFor(() => {
      const q = callsTo(fetch, '/api/engagements').at(-1)!.url.searchParams;
      expect(q.get('status')).toBe('Delayed');
      expect(q.get('cursor')).toBeNull();
    });
  });

  it('shows a board with a column per phase, each read with the filters and its phase', async () => {
    const fetch = serve(VIEWER, (url) =>
      url.pathname === '/api/engagements' && url.searchParams.get('phase') === 'Review' ? page([engagement]) : null,
    );
    renderAt('/engagements?status=On+Track', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Board by phase' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?status=On+Track&view=board'));
    const review = await screen.findByRole('region', { name: 'Review (1)' });
    expect(within(review).getByRole('link', { name: 'Payroll audit' })).toHaveAttribute('href', '/engagements/3');
    for (const phase of ['Planning', 'Fieldwork', 'Reporting', 'Completed']) {
      expect(await screen.findByRole('region', { name: `${phase} (0)` })).toBeInTheDocument();
    }
    const phases = callsTo(fetch, '/api/engagements')
      .filter((c) => c.url.searchParams.get('phase'))
      .map((c) => `${c.url.searchParams.get('phase')}:${c.url.searchParams.get('status')}`);
    expect(new Set(phases)).toEqual(
      new Set(['Planning', 'Fieldwork', 'Review', 'Reporting', 'Completed'].map((p) => `${p}:On Track`)),
    );
    expect(screen.getByRole('button', { name: 'Board by phase' })).toHaveAttribute('aria-pressed', 'true');
  });
});
