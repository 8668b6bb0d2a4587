import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { READER, WRITER, callsTo, fail, one, serve, vendor } from '../testData';
import { VendorFormPage } from './VendorFormPage';
import { VendorPage } from './VendorPage';
import { VendorsListPage } from './VendorsListPage';
import type { Vendor } from '../types';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-06T10:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const routes = [
  { path: '/vendors/:id', element: <VendorPage /> },
  { path: '/vendors/:id/edit', element: <VendorFormPage /> },
  { path: '/vendors', element: <VendorsListPage /> },
];

const vendorApi = (auth: unknown, write?: (url: URL, init: RequestInit) => { status?: number; body: unknown } | null) =>
  serve(auth, (url, init) => {
    if (init.method && init.method !== 'GET' && write) return write(url, init);
    if (url.pathname === '/api/vendors/1') return one(vendor);
    return null;
  });

describe('VendorPage', () => {
  it('shows the overdue review, linked risks, reviews newest first and the tier history oldest first', async () => {
    vendorApi(READER);
    renderAt('/vendors/1', routes);
    expect(await screen.findByRole('heading', { level: 1, name: '#1 Northwind Cloud' })).toBeInTheDocument();
    expect(screen.getAllByText('Review overdue').length).toBeGreaterThan(0);
    const risks = within(screen.getByRole('region', { name: 'Linked risks' }));
    expect(risks.getByRole('link', { name: '#1 Vendor quality drop' })).toHaveAttribute('href', '/risks/1');
    expect(risks.getByText('1 linked risk has since been deleted from the register.')).toBeInTheDocument();
    const reviews = within(screen.getByRole('region', { name: 'Reviews' }));
    expect(reviews.getByText('SOC 2 report reviewed.')).toBeInTheDocument();
    const tiers = within(screen.getByRole('region', { name: 'Tier history' }));
    const rows = tiers.getAllByRole('row').slice(1);
    expect(rows[0]).toHaveTextContent('First tier');
    expect(rows[1]).toHaveTextContent('Now hosts customer data.');
    expect(screen.queryByRole('button', { name: 'Record a review' })).not.toBeInTheDocument();
  });

  it('records a review that re-tiers the vendor only with notes saying why', async () => {
    const fetch = vendorApi(WRITER, () => ({ status: 201, body: { success: true, data: vendor } }));
    renderAt('/vendors/1', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Record a review' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Review of Northwind Cloud' }));
    expect(dialog.getByLabelText(/Reviewed on/)).toHaveValue('2026-12-06');
    expect(dialog.getByLabelText(/Next review/)).toHaveValue('2027-12-06');
    fireEvent.click(dialog.getByRole('textbox', { name: 'Decision' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Approved with conditions' }));
    fireEvent.click(dialog.getByRole('textbox', { name: /Risk tier after the review/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'High' }));
    expect(dialog.getByText('Moves the vendor from Medium')).toBeInTheDocument();
    fireEvent.click(dialog.getByRole('button', { name: 'Record review' }));
    expect(
      await dialog.findByText('is required when the review changes the tier: say why it moves'),
    ).toBeInTheDocument();
    expect(callsTo(fetch, '/api/vendors/1/reviews', 'POST')).toHaveLength(0);

    fireEvent.change(dialog.getByRole('textbox', { name: /Notes/ }), { target: { value: 'Region outage' } });
    fireEvent.click(dialog.getByRole('button', { name: 'Record review' }));
    await waitFor(() => expect(callsTo(fetch, '/api/vendors/1/reviews', 'POST')).toHaveLength(1));
    const call = callsTo(fetch, '/api/vendors/1/reviews', 'POST')[0];
    expect(JSON.parse(String(call.init.body))).toEqual({
      reviewed_at: '2026-12-06',
      decision: 'conditional',
      risk_tier: 'High',
      next_review: '2027-12-06',
      notes: 'Region outage',
    });
    expect((call.init.headers as Record<string, string>)['If-Match']).toBe('"3"');
  });

  it('removes the vendor after a confirmation, then goes back to the list', async () => {
    const fetch = vendorApi(WRITER, () => one({ id: 1, deleted: true, version: 4 }));
    renderAt('/vendors/1', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Remove Northwind Cloud?' }));
    expect(dialog.getByText(/Its history stays readable/)).toBeInTheDocument();
    fireEvent.change(dialog.getByRole('textbox', { name: 'Reason (optional)' }), {
      target: { value: 'Contract ended' },
    });
    fireEvent.click(dialog.getByRole('button', { name: 'Remove vendor' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Vendors' })).toBeInTheDocument();
    const call = callsTo(fetch, '/api/vendors/1', 'DELETE')[0];
    expect(JSON.parse(String(call.init.body))).toEqual({ reason: 'Contract ended' });
  });

  it('asks the reason of a change of tier on the edit form, and sends it with If-Match', async () => {
    const fetch = vendorApi(WRITER, (url) =>
      url.pathname === '/api/vendors/1' ? one({ ...vendor, risk_tier: 'Low', version: 4 }) : null,
    );
    renderAt('/vendors/1/edit', routes);
    expect(await screen.findByRole('heading', { level: 1, name: 'Edit vendor #1' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole('textbox', { name: /^Name/ })).toHaveValue('Northwind Cloud'));
    expect(screen.queryByRole('textbox', { name: /Reason for the new tier/ })).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('textbox', { name: /Risk tier/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'Low' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('is required to change the risk tier: say why it moves')).toBeInTheDocument();
    fireEvent.change(screen.getByRole('textbox', { name: /Reason for the new tier/ }), {
      target: { value: 'Exit plan tested' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(callsTo(fetch, '/api/vendors/1', 'PUT')).toHaveLength(1));
    const call = callsTo(fetch, '/api/vendors/1', 'PUT')[0];
    expect(JSON.parse(String(call.init.body))).toEqual({ risk_tier: 'Low', reason: 'Exit plan tested' });
    expect((call.init.headers as Record<string, string>)['If-Match']).toBe('"3"');
  });

  it('shows the vendor as it stood at the time picked, without its write actions, and goes back to current', async () => {
    const then: Vendor = {
      ...vendor,
      name: 'Northwind Hosting',
      risk_tier: 'Low',
      overdue_review: false,
      version: 1,
      reviews: [],
      tier_history: (vendor.tier_history ?? []).slice(0, 1),
      risk_ids: [1, 2],
      risks: [{ id: 1, title: 'Vendor quality drop (then)', rating: 'Low', status: 'Identified' }],
    };
    const fetch = serve(WRITER, (url) =>
      url.pathname === '/api/vendors/1' ? one(url.searchParams.get('as_of') ? then : vendor) : null,
    );
    renderAt('/vendors/1', routes);
    expect(await screen.findByRole('heading', { level: 1, name: '#1 Northwind Cloud' })).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('View as of (your local time)'), {
      target: { value: '2025-02-01T12:00:00' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));

    const at = new Date('2025-02-01T12:00:00').toISOString();
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { level: 1, name: '#1 Northwind Hosting' })).toBeInTheDocument();
    expect(callsTo(fetch, '/api/vendors/1').some((c) => c.url.searchParams.get('as_of') === at)).toBe(true);
    const risks = within(screen.getByRole('region', { name: 'Linked risks' }));
    expect(risks.getByRole('link', { name: '#1 Vendor quality drop (then)' })).toBeInTheDocument();
    expect(risks.getByText('1 linked risk was not in the register at that time.')).toBeInTheDocument();
    expect(within(screen.getByRole('region', { name: 'Reviews' })).getByText('Not reviewed yet.')).toBeInTheDocument();
    expect(screen.queryByText('Review overdue')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Record a review' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    expect(await screen.findByRole('heading', { level: 1, name: '#1 Northwind Cloud' })).toBeInTheDocument();
    expect(screen.queryByText('Historical view')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Record a review' })).toBeInTheDocument();
  });

  it('shows a removed vendor as it stood at the time in the URL, and says when it did not exist yet', async () => {
    serve(READER, (url) => {
      if (url.pathname !== '/api/vendors/5') return null;
      const at = url.searchParams.get('as_of');
      if (at === '2025-06-01T00:00:00.000Z') return one({ ...vendor, id: 5, name: 'Gone Ltd' });
      return fail(404, 'NOT_FOUND', 'vendor not found');
    });
    renderAt('/vendors/5?as_of=2025-06-01T00:00:00.000Z', routes);
    expect(await screen.findByText('No such vendor')).toBeInTheDocument();
    expect(await screen.findByRole('heading', { level: 2, name: 'Gone Ltd' })).toBeInTheDocument();
    expect(screen.getByText('Historical view')).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('View as of (your local time)'), {
      target: { value: '2020-01-01T00:00:00' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    expect(
      await screen.findByText('The vendor did not exist at that time (or had already been removed).'),
    ).toBeInTheDocument();
  });

  it('says a removed vendor is gone and still shows its history', async () => {
    serve(READER, (url) => (url.pathname === '/api/vendors/5' ? fail(404, 'NOT_FOUND', 'vendor not found') : null));
    renderAt('/vendors/5', routes);
    expect(await screen.findByText('No such vendor')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'History' })).toBeInTheDocument();
  });
});
