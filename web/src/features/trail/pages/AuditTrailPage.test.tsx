import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { AUDITOR, callsTo, fail, login, page, riskUpdate, serve } from '../testData';
import { AuditTrailPage } from './AuditTrailPage';

afterEach(() => vi.unstubAllGlobals());

function Search() {
  return <output data-testid="search">{useLocation().search}</output>;
}
const routes = [
  {
    path: '/audit-trail',
    element: (
      <>
        <AuditTrailPage />
        <Search />
      </>
    ),
  },
];

describe('AuditTrailPage', () => {
  it('passes the URL filters to the API and shows who changed what, from where, and why', async () => {
    const fetch = serve(AUDITOR, (url) =>
      url.pathname === '/api/audit-trail' ? page([riskUpdate, login], 'n1') : null,
    );
    renderAt('/audit-trail?entity_type=risk&actor_id=2&q=title', routes);
    const record = await screen.findByRole('link', { name: 'Risk #7' });
    expect(record).toHaveAttribute('href', '/risks/7');
    const row = record.closest('tr')!;
    for (const text of [
      'Priya Raman',
      'RiskUpdated',
      'Reworded after the review',
      'Address: 203.0.113.9',
      'User agent: Mozilla/5.0',
      'Request: req-1',
    ]) {
      expect(within(row).getByText(text)).toBeInTheDocument();
    }
    await within(row).findByText(/Dana Whitfield/);
    const changes = within(row)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(changes).toEqual([
      'title: Old title → New title',
      'owner name: Marcus → Ada',
      'review date: ∅ → 2026-06-01',
      'responses.1.owner: ∅ → Dana Whitfield',
    ]);
    expect(within(row).getByRole('link', { name: 'As it was right after this' })).toHaveAttribute(
      'href',
      '/risks/7?as_of=2026-05-01T09%3A30%3A00.123456Z',
    );

    const other = screen.getByText('UserLoggedIn').closest('tr')!;
    expect(within(other).getByText('User #2')).toBeInTheDocument();
    expect(within(other).queryByRole('link')).not.toBeInTheDocument();

    expect(Object.fromEntries(callsTo(fetch, '/api/audit-trail').at(-1)!.searchParams)).toEqual({
      entity_type: 'risk',
      actor_id: '2',
      q: 'title',
      limit: '50',
    });
    expect(screen.getByRole('link', { name: 'Download CSV' })).toHaveAttribute(
      'href',
      '/api/audit-trail?format=csv&entity_type=risk&actor_id=2&q=title',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toContain('cursor=n1'));
  });

  it('writes a chosen record type and a local time into the URL as the API takes them', async () => {
    serve(AUDITOR);
    renderAt('/audit-trail?cursor=c1&prev=', routes);
    fireEvent.click(await screen.findByRole('textbox', { name: 'Record type' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Vendor' }));
    await waitFor(() => expect(screen.getByTestId('search').textContent).toBe('?entity_type=vendor'));

    const local = '2026-05-01T10:00:00';
    fireEvent.change(screen.getByLabelText('From (your local time)'), { target: { value: local } });
    const from = new Date(local).toISOString();
    await waitFor(() =>
      expect(screen.getByTestId('search').textContent).toBe(`?${new URLSearchParams({ entity_type: 'vendor', from })}`),
    );
  });

  it("shows the API's complaint about a filter beside the field", async () => {
    serve(AUDITOR, (url) =>
      url.pathname === '/api/audit-trail'
        ? fail(400, 'VALIDATION_ERROR', 'Invalid filter', { to: 'must not be before from' })
        : null,
    );
    renderAt('/audit-trail?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z', routes);
    expect(await screen.findByText('must not be before from')).toBeInTheDocument();
    expect(screen.getByLabelText('To (your local time)')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('Invalid filter');
  });
});
