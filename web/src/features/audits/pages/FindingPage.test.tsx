import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { VIEWER, WRITER, as, callsTo, fail, finding, one, serve } from '../testData';
import type { Finding } from '../types';
import { FindingPage } from './FindingPage';

afterEach(() => vi.unstubAllGlobals());

const routes = [{ path: '/findings/:id', element: <FindingPage /> }];

const responses = [
  {
    response: 'We will add a second approver.',
    action_plan: 'Change the workflow',
    target_date: '2026-04-01',
    submitted_by: 2,
    submitted_at: '2026-02-02T00:00:00Z',
  },
  {
    response: 'Looking into it.',
    action_plan: '',
    target_date: null,
    submitted_by: 2,
    submitted_at: '2026-02-01T00:00:00Z',
  },
];

function serveFinding(auth: unknown, f: Finding, extra: Parameters<typeof serve>[1] = () => null) {
  return serve(auth, (url, init) => extra(url, init) ?? (url.pathname === '/api/findings/8' ? one(f) : null));
}

describe('FindingPage', () => {
  it('shows the finding, every response version and no write action to a viewer', async () => {
    serveFinding(VIEWER, { ...finding, management_response: responses[0], management_responses: responses });
    renderAt('/findings/8', routes);
    expect(await screen.findByRole('heading', { level: 1, name: `#8 ${finding.title}` })).toBeInTheDocument();
    expect(screen.getByText('Overdue')).toBeInTheDocument();
    const versions = screen.getByRole('list', { name: 'Response versions' });
    const items = within(versions).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('Version 2');
    expect(items[0]).toHaveTextContent('Current');
    expect(items[0]).toHaveTextContent('We will add a second approver.');
    expect(items[1]).toHaveTextContent('Version 1');
    expect(items[1]).toHaveTextContent('Looking into it.');
    // The only button is the "view as of" picker's, which reads.
    expect(screen.queryAllByRole('button').map((b) => b.textContent)).toEqual(['Show']);
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
  });

  it('shows the finding as of the time in the URL, read-only, with the responses submitted by then', async () => {
    const at = '2026-02-01T12:00:00.000Z';
    const then = {
      ...finding,
      title: 'Payroll approvals unclear',
      overdue: false,
      management_response: responses[1],
      management_responses: [responses[1]],
      version: 2,
    };
    const fetch = serveFinding(
      WRITER,
      { ...finding, management_response: responses[0], management_responses: responses },
      (url) => (url.pathname === '/api/findings/8' && url.searchParams.get('as_of') ? one(then) : null),
    );
    renderAt(`/findings/8?as_of=${at}`, routes);
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    await screen.findByRole('heading', { level: 1, name: '#8 Payroll approvals unclear' });
    expect(callsTo(fetch, '/api/findings/8').some((c) => c.url.searchParams.get('as_of') === at)).toBe(true);
    const versions = await screen.findByRole('list', { name: 'Response versions' });
    expect(within(versions).getAllByRole('listitem')).toHaveLength(1);
    expect(within(versions).getByText(/Looking into it\./)).toBeInTheDocument();
    expect(screen.queryByText('Overdue')).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Submit response' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    await screen.findByRole('heading', { level: 1, name: `#8 ${finding.title}` });
    expect(await screen.findByRole('link', { name: 'Edit' })).toBeInTheDocument();
  });

  it('says when the finding had not been raised yet at the chosen time', async () => {
    serveFinding(VIEWER, finding, (url) =>
      url.pathname === '/api/findings/8' && url.searchParams.get('as_of') ? fail(404, 'NOT_FOUND', 'not found') : null,
    );
    renderAt('/findings/8?as_of=2025-06-01T00:00:00.000Z', routes);
    expect(await screen.findByText('The finding had not been raised yet at that time.')).toBeInTheDocument();
  });

  it('lets the assignee without audit write answer, and no one else', async () => {
    // The signed-in user is #1; the finding is assigned to #2 unless said otherwise.
    const responder = as(['audits:read', 'audits:respond', 'members:read']);
    const fetch = serveFinding(responder, { ...finding, assigned_to: 1 }, (url, init) =>
      url.pathname === '/api/findings/8/management-response' && init.method === 'POST'
        ? fail(400, 'VALIDATION_ERROR', 'response is required', { response: 'is required' })
        : null,
    );
    renderAt('/findings/8', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Submit response' }));
    expect(await screen.findByText('is required')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /^response/i })).toHaveAttribute('aria-invalid', 'true');
    expect(callsTo(fetch, '/api/findings/8/management-response', 'POST')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
  });

  it('hides the response form from a responder who is not the assignee', async () => {
    serveFinding(as(['audits:read', 'audits:respond', 'members:read']), finding);
    renderAt('/findings/8', routes);
    expect(await screen.findByText('No response submitted yet.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Submit response' })).not.toBeInTheDocument();
  });

  it('closes an Approved finding with the verification comment the server asks for', async () => {
    const approved = { ...finding, status: 'Approved' as const, version: 5 };
    let answered = false;
    const fetch = serveFinding(WRITER, approved, (url, init) => {
      if (url.pathname !== '/api/findings/8/status' || init.method !== 'PUT') return null;
      const body = JSON.parse(String(init.body));
      if (!body.comment)
        return fail(400, 'VALIDATION_ERROR', 'comment is required', { comment: 'is required to close' });
      answered = true;
      return one({ ...approved, status: 'Closed' });
    });
    renderAt('/findings/8', routes);
    expect(await screen.findByText(/frozen while the finding is Approved/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Reopen' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Submit response' })).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    const dialog = await screen.findByRole('dialog', { name: 'Close finding #8' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close finding' }));
    expect(await within(dialog).findByText('is required to close')).toBeInTheDocument();
    const comment = within(dialog).getByRole('textbox', { name: /how the fix was verified/i });
    fireEvent.change(comment, { target: { value: 'Re-ran two payrolls' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close finding' }));
    await waitFor(() => expect(answered).toBe(true));
    const puts = callsTo(fetch, '/api/findings/8/status', 'PUT');
    expect(JSON.parse(String(puts[1].init.body))).toEqual({ status: 'Closed', comment: 'Re-ran two payrolls' });
    expect((puts[1].init.headers as Record<string, string>)['If-Match']).toBe('"5"');
  });

  it('approves an Open finding', async () => {
    const fetch = serveFinding(WRITER, finding, (url, init) =>
      url.pathname === '/api/findings/8/status' && init.method === 'PUT' ? one(finding) : null,
    );
    renderAt('/findings/8', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Approve' }));
    const dialog = await screen.findByRole('dialog', { name: 'Approve finding #8' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Approve finding' }));
    await waitFor(() => expect(callsTo(fetch, '/api/findings/8/status', 'PUT')).toHaveLength(1));
    expect(JSON.parse(String(callsTo(fetch, '/api/findings/8/status', 'PUT')[0].init.body))).toEqual({
      status: 'Approved',
    });
  });
});
