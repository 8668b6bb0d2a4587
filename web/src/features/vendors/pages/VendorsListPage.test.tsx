import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { READER, WRITER, callsTo, page, serve, vendor } from '../testData';
import { VendorsListPage } from './VendorsListPage';

afterEach(() => vi.unstubAllGlobals());

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}
const routes = [
  {
    path: '/vendors',
    element: (
      <>
        <VendorsListPage />
        <Search />
      </>
    ),
  },
];

describe('VendorsListPage', () => {
  it('passes the URL filters to the API and shows tier, criticality, status and the overdue review in words', async () => {
    const current = { ...vendor, id: 2, name: 'Contoso Print', overdue_review: false, risk_tier: 'Low' as const };
    const fetch = serve(READER, (url) => (url.pathname === '/api/vendors' ? page([vendor, current], 'n1') : null));
    renderAt('/vendors?risk_tier=Medium&status=active&criticality=critical&overdue_review=true&q=cloud', routes);
    const row = (await screen.findByRole('link', { name: 'Northwind Cloud' })).closest('tr')!;
    for (const text of ['Medium', 'Critical', 'Active', 'Review overdue', '2026-10-22']) {
      expect(within(row).getByText(text)).toBeInTheDocument();
    }
    const other = screen.getByRole('link', { name: 'Contoso Print' }).closest('tr')!;
    expect(within(other).queryByText('Review overdue')).not.toBeInTheDocument();
    expect(Object.fromEntries(callsTo(fetch, '/api/vendors').at(-1)!.url.searchParams)).toEqual({
      risk_tier: 'Medium',
      status: 'active',
      criticality: 'critical',
      overdue_review: 'true',
      q: 'cloud',
      limit: '50',
    });
    expect(screen.queryByRole('link', { name: 'New vendor' })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toContain('cursor=n1'));
  });

  it('writes a chosen filter into the URL', async () => {
    serve(WRITER);
    renderAt('/vendors?cursor=c1&prev=', routes);
    expect(await screen.findByRole('link', { name: 'New vendor' })).toHaveAttribute('href', '/vendors/new');
    fireEvent.click(screen.getByRole('textbox', { name: 'Review overdue' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Overdue only' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?overdue_review=true'));
  });
});
