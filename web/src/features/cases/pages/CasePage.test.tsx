import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { INVESTIGATOR, READER, SHA, callsTo, custody, evidence, fail, one, openCase, serve } from '../testData';
import type { Case } from '../types';
import { CasePage } from './CasePage';

afterEach(() => vi.unstubAllGlobals());

const routes = [{ path: '/cases/:id', element: <CasePage /> }];

function serveCase(c: Case, auth = INVESTIGATOR, more: Parameters<typeof serve>[1] = () => null) {
  return serve(auth, (url, init) => {
    const r = more(url, init);
    if (r) return r;
    if (url.pathname === '/api/cases/4' && (init.method ?? 'GET') === 'GET') return one(c);
    if (url.pathname === '/api/cases/4/evidence/11/custody') return one(custody);
    return null;
  });
}

describe('CasePage', () => {
  it('offers a new case only Assign and Start, and asks for an investigator before starting', async () => {
    const fetch = serveCase(openCase, INVESTIGATOR, (url, init) => {
      if (url.pathname === '/api/cases/4/assignee' && init.method === 'PUT')
        return one({ ...openCase, status: 'assigned', assignee_id: 2, version: 5 });
      if (url.pathname === '/api/cases/4/status' && init.method === 'PUT')
        return one({ ...openCase, status: 'in_progress', assignee_id: 2, version: 6 });
      return null;
    });
    renderAt('/cases/4', routes);
    await screen.findByRole('heading', { level: 1, name: '#4 Expense fraud in sales' });
    expect(screen.getAllByText('Confidential').length).toBeGreaterThan(0);
    for (const name of ['Send for review', 'Complete', 'Reopen']) {
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    }
    expect(screen.getByRole('button', { name: 'Assign' })).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Start investigation' }));
    const dialog = await screen.findByRole('dialog', { name: 'Start investigation: case #4' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start investigation' }));
    expect(await within(dialog).findByText('Choose who investigates the case')).toBeInTheDocument();
    expect(callsTo(fetch, '/api/cases/4/assignee', 'PUT')).toHaveLength(0);

    fireEvent.click(within(dialog).getByRole('textbox', { name: 'Assignee' }));
    expect(screen.queryByRole('option', { name: 'Sam' })).not.toBeInTheDocument();
    fireEvent.click(await screen.findByRole('option', { name: 'Dana' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Start investigation' }));
    await waitFor(() => expect(callsTo(fetch, '/api/cases/4/status', 'PUT')).toHaveLength(1));
    const assign = callsTo(fetch, '/api/cases/4/assignee', 'PUT')[0];
    expect(JSON.parse(String(assign.init.body))).toEqual({ assignee_id: 2 });
    const status = callsTo(fetch, '/api/cases/4/status', 'PUT')[0];
    expect(JSON.parse(String(status.init.body))).toEqual({ status: 'in_progress' });
    expect((status.init.headers as Record<string, string>)['If-Match']).toBe('"5"');
  });

  it('completes with a resolution and a closing note', async () => {
    const review = { ...openCase, status: 'review' as const, assignee_id: 1, assignee_name: 'Helen' };
    const fetch = serveCase(review, INVESTIGATOR, (url, init) =>
      url.pathname === '/api/cases/4/status' && init.method === 'PUT'
        ? fail(400, 'VALIDATION_ERROR', 'invalid', { comment: 'is required to complete a case' })
        : null,
    );
    renderAt('/cases/4', routes);
    expect(await screen.findByRole('button', { name: 'Back to investigation' })).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Complete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Complete: case #4' });
    expect(within(dialog).queryByRole('textbox', { name: 'Assignee' })).not.toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Complete' }));
    expect(await within(dialog).findByText('Choose a resolution')).toBeInTheDocument();
    expect(within(dialog).getByText('is required')).toBeInTheDocument();

    fireEvent.click(within(dialog).getByRole('textbox', { name: 'Resolution' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Substantiated' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'Closing note' }), {
      target: { value: 'Claims were duplicated.' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Complete' }));
    // The server's word beside the field when it refuses.
    expect(await within(dialog).findByText('is required to complete a case')).toBeInTheDocument();
    expect(JSON.parse(String(callsTo(fetch, '/api/cases/4/status', 'PUT')[0].init.body))).toEqual({
      status: 'completed',
      comment: 'Claims were duplicated.',
      resolution: 'substantiated',
    });
  });

  it('lists the evidence with its size, short hash (full in the title), custody oldest first, and verifies', async () => {
    serveCase({ ...openCase, status: 'completed', assignee_id: 1 }, INVESTIGATOR, (url, init) =>
      url.pathname === '/api/cases/4/evidence/11/verify' && init.method === 'POST'
        ? one({ evidence_id: 11, sha256: SHA, actual: SHA, result: 'match' })
        : null,
    );
    renderAt('/cases/4', routes);
    const row = (await screen.findByText('ledger.csv')).closest('tr')!;
    expect(within(row).getByText('1.5 KiB')).toHaveAttribute('title', '1536 bytes');
    expect(within(row).getByText('b94d27b9934d…')).toHaveAttribute('title', SHA);
    expect(within(row).getByText('Not verified yet')).toBeInTheDocument();
    expect(screen.queryByText(/Drag a file here/)).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Export custody (CSV)' })).toHaveAttribute(
      'href',
      '/api/cases/4/custody.csv',
    );

    fireEvent.click(within(row).getByRole('button', { name: 'Custody of ledger.csv' }));
    const trail = await screen.findByText('Chain of custody of ledger.csv (0 downloads)');
    const cell = trail.closest('td')!;
    const uploaded = await within(cell).findByText('Uploaded');
    const downloaded = within(cell).getByText('Downloaded');
    expect(uploaded.compareDocumentPosition(downloaded) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByText('Reason: Legal review')).toBeInTheDocument();

    fireEvent.click(within(row).getByRole('button', { name: 'Verify ledger.csv' }));
    expect(await within(row).findByText('Match: the stored file is intact')).toBeInTheDocument();
  });

  it('offers a reader no upload and no verification', async () => {
    serveCase({ ...openCase, status: 'in_progress', assignee_id: 1 }, READER);
    renderAt('/cases/4', routes);
    expect(await screen.findByRole('button', { name: 'Download ledger.csv' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Verify ledger.csv' })).not.toBeInTheDocument();
    expect(screen.queryByText(/Drag a file here/)).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Send for review' })).not.toBeInTheDocument();
  });

  it('asks an optional reason before a download and sends it with the request', async () => {
    serveCase({ ...openCase, evidence: [evidence] });
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.getAttribute('href') ?? '');
    });
    renderAt('/cases/4', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Download ledger.csv' }));
    const dialog = await screen.findByRole('dialog', { name: 'Download ledger.csv' });
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'Reason' }), { target: { value: 'Legal review' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Download' }));
    expect(clicked).toEqual(['/api/cases/4/evidence/11?reason=Legal%20review']);
    click.mockRestore();
  });

  it('says a completed case takes no evidence and offers only Reopen', async () => {
    serveCase({ ...openCase, status: 'completed', assignee_id: 1, assignee_name: 'Helen', resolution: 'inconclusive' });
    renderAt('/cases/4', routes);
    expect(await screen.findByRole('button', { name: 'Reopen' })).toBeInTheDocument();
    expect(screen.getByText(/takes no new evidence/)).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Change assignee' })).not.toBeInTheDocument();
    expect(screen.getByText('Inconclusive')).toBeInTheDocument();
  });

  it('shows the case as of the time in the URL, read-only, without the later evidence', async () => {
    const at = '2026-01-01T12:00:00.000Z';
    const fetch = serveCase({ ...openCase, status: 'in_progress', assignee_id: 1 }, INVESTIGATOR, (url) =>
      url.pathname === '/api/cases/4' && url.searchParams.get('as_of')
        ? one({ ...openCase, title: 'Expense claims query', evidence_count: 0, evidence: [] })
        : null,
    );
    renderAt(`/cases/4?as_of=${at}`, routes);
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    await screen.findByRole('heading', { level: 1, name: '#4 Expense claims query' });
    expect(callsTo(fetch, '/api/cases/4').some((c) => c.url.searchParams.get('as_of') === at)).toBe(true);
    expect(await screen.findByText('0 files')).toBeInTheDocument();
    expect(screen.getByText('No evidence yet.')).toBeInTheDocument();
    expect(screen.queryByText(/Drag a file here/)).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Send for review' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    await screen.findByRole('heading', { level: 1, name: '#4 Expense fraud in sales' });
    expect(screen.queryByText('Historical view')).not.toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'Edit' })).toBeInTheDocument();
  });

  it('says when the case had not been opened yet at the chosen time', async () => {
    serveCase(openCase, INVESTIGATOR, (url) =>
      url.pathname === '/api/cases/4' && url.searchParams.get('as_of')
        ? fail(404, 'NOT_FOUND', 'case not found as of')
        : null,
    );
    renderAt('/cases/4?as_of=2025-06-01T00:00:00.000Z', routes);
    expect(await screen.findByText('The case had not been opened yet at that time.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: '#4 Expense fraud in sales' })).toBeInTheDocument();
  });

  it('answers an unknown or hidden case as not found', async () => {
    serve(INVESTIGATOR);
    renderAt('/cases/4', routes);
    expect(await screen.findByText('This case does not exist in this organization.')).toBeInTheDocument();
  });
});
