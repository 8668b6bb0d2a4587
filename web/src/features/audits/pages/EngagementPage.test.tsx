import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { VIEWER, WRITER, callsTo, engagement, fail, finding, one, page, procedure, serve } from '../testData';
import type { Engagement } from '../types';
import { EngagementPage } from './EngagementPage';

afterEach(() => vi.unstubAllGlobals());

const routes = [{ path: '/engagements/:id', element: <EngagementPage /> }];

function serveEngagement(auth: unknown, e: Engagement, extra: Parameters<typeof serve>[1] = () => null) {
  return serve(auth, (url, init) => {
    const r = extra(url, init);
    if (r) return r;
    if (url.pathname === '/api/engagements/3' && init.method === 'GET') return one(e);
    if (url.pathname === '/api/findings' && url.searchParams.get('engagement_id') === '3') return page([finding]);
    return null;
  });
}

describe('EngagementPage', () => {
  it('shows the phases, explains why Reporting is not possible yet, and asks a comment to move back', async () => {
    const fetch = serveEngagement(WRITER, engagement, (url, init) =>
      url.pathname === '/api/engagements/3/phase' && init.method === 'PUT'
        ? one({ ...engagement, phase: 'Fieldwork' })
        : null,
    );
    renderAt('/engagements/3', routes);
    expect(await screen.findByRole('heading', { level: 1, name: '#3 Payroll audit' })).toBeInTheDocument();
    const phases = screen.getByRole('region', { name: 'Phase' });
    expect(within(phases).getAllByRole('listitem')).toHaveLength(5);
    expect(within(phases).getByText('Current phase').closest('li')).toHaveAttribute('aria-current', 'step');

    const reporting = within(phases).getByRole('button', { name: 'Move to Reporting' });
    expect(reporting).toHaveAttribute('aria-disabled', 'true');
    expect(reporting).toHaveAccessibleDescription('1 finding still Open: approve or close it before Reporting.');
    fireEvent.click(reporting);
    expect(within(phases).queryByRole('button', { name: 'Move to Completed' })).not.toBeInTheDocument();

    fireEvent.click(within(phases).getByRole('button', { name: 'Move back to Fieldwork' }));
    const dialog = await screen.findByRole('dialog', { name: 'Move back to Fieldwork' });
    fireEvent.change(within(dialog).getByRole('textbox', { name: /why the engagement moves back/i }), {
      target: { value: 'More samples needed' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Move back' }));
    await waitFor(() => expect(callsTo(fetch, '/api/engagements/3/phase', 'PUT')).toHaveLength(1));
    const put = callsTo(fetch, '/api/engagements/3/phase', 'PUT')[0].init;
    expect(JSON.parse(String(put.body))).toEqual({ phase: 'Fieldwork', comment: 'More samples needed' });
    expect((put.headers as Record<string, string>)['If-Match']).toBe('"4"');
  });

  it('shows the server’s field error when moving back without a comment', async () => {
    serveEngagement(WRITER, engagement, (url, init) =>
      url.pathname === '/api/engagements/3/phase' && init.method === 'PUT'
        ? fail(400, 'VALIDATION_ERROR', 'comment is required to move back', { comment: 'is required to move back' })
        : null,
    );
    renderAt('/engagements/3', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Move back to Planning' }));
    const dialog = await screen.findByRole('dialog', { name: 'Move back to Planning' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Move back' }));
    expect(await within(dialog).findByText('is required to move back')).toBeInTheDocument();
    expect(within(dialog).getByRole('textbox', { name: /why/i })).toHaveAttribute('aria-invalid', 'true');
  });

  it('moves forward at once, and on a conflict offers to reload', async () => {
    const ready = { ...engagement, findings_by_status: { Open: 0, Approved: 1, Closed: 0 } };
    const fetch = serveEngagement(WRITER, ready, (url, init) =>
      url.pathname === '/api/engagements/3/phase' && init.method === 'PUT'
        ? fail(409, 'CONFLICT', 'the engagement was changed')
        : null,
    );
    renderAt('/engagements/3', routes);
    const move = await screen.findByRole('button', { name: 'Move to Reporting' });
    expect(move).not.toHaveAttribute('aria-disabled');
    fireEvent.click(move);
    expect(await screen.findByText('Someone else changed this engagement')).toBeInTheDocument();
    expect(JSON.parse(String(callsTo(fetch, '/api/engagements/3/phase', 'PUT')[0].init.body))).toEqual({
      phase: 'Reporting',
    });
    const before = callsTo(fetch, '/api/engagements/3').length;
    fireEvent.click(screen.getByRole('button', { name: 'Reload the engagement' }));
    await waitFor(() => expect(callsTo(fetch, '/api/engagements/3').length).toBeGreaterThan(before));
  });

  it('blocks every phase move of a cancelled engagement and asks a comment to reinstate it', async () => {
    const cancelled = { ...engagement, status: 'Cancelled' as const };
    const fetch = serveEngagement(WRITER, cancelled, (url, init) =>
      url.pathname === '/api/engagements/3' && init.method === 'PUT'
        ? fail(400, 'VALIDATION_ERROR', 'comment is required', { comment: 'is required to reinstate' })
        : null,
    );
    renderAt('/engagements/3', routes);
    const phases = await screen.findByRole('region', { name: 'Phase' });
    const moves = within(phases).getAllByRole('button');
    expect(moves.length).toBeGreaterThan(0);
    for (const b of moves) expect(b).toHaveAttribute('aria-disabled', 'true');
    expect(screen.queryByRole('button', { name: 'Add procedure' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Raise finding' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Change status' }));
    const dialog = await screen.findByRole('dialog', { name: 'Change the status of engagement #3' });
    fireEvent.click(within(dialog).getByRole('textbox', { name: 'Status' }));
    fireEvent.click(await screen.findByRole('option', { name: 'On Track' }));
    expect(within(dialog).getByText('Required: say why.')).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save status' }));
    expect(await within(dialog).findByText('is required to reinstate')).toBeInTheDocument();
    expect(JSON.parse(String(callsTo(fetch, '/api/engagements/3', 'PUT')[0].init.body))).toEqual({
      status: 'On Track',
    });
  });

  it('refuses the sign-off to the procedure’s assignee with the reason, and lets another sign', async () => {
    const two = { ...procedure, id: 22, title: 'Check bank files', assigned_to: 2 };
    const fetch = serveEngagement(WRITER, { ...engagement, procedures: [procedure, two] }, (url, init) =>
      url.pathname === '/api/engagements/3/procedures/22/sign-off' && init.method === 'POST'
        ? one({ ...two, signed_off_by: 1 })
        : null,
    );
    renderAt('/engagements/3', routes);
    const own = await screen.findByRole('button', { name: `Sign off procedure ${procedure.title}` });
    expect(own).toHaveAttribute('aria-disabled', 'true');
    expect(own).toHaveAccessibleDescription('You are assigned to this procedure: someone else must sign it off.');
    const other = screen.getByRole('button', { name: 'Sign off procedure Check bank files' });
    expect(other).not.toHaveAttribute('aria-disabled');
    fireEvent.click(other);
    const dialog = await screen.findByRole('dialog', { name: 'Sign off procedure: Check bank files' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Sign off' }));
    await waitFor(() => expect(callsTo(fetch, '/api/engagements/3/procedures/22/sign-off', 'POST')).toHaveLength(1));
  });

  it('edits a procedure with its version and lists the findings with a way to raise one', async () => {
    const fetch = serveEngagement(WRITER, engagement, (url, init) =>
      url.pathname === '/api/engagements/3/procedures/21' && init.method === 'PUT' ? one(procedure) : null,
    );
    renderAt('/engagements/3', routes);
    const findings = await screen.findByRole('region', { name: 'Findings' });
    expect(await within(findings).findByRole('link', { name: finding.title })).toHaveAttribute('href', '/findings/8');
    expect(within(findings).getByText('Overdue')).toBeInTheDocument();
    expect(within(findings).getByRole('link', { name: 'Raise finding' })).toHaveAttribute(
      'href',
      '/findings/new?engagement_id=3',
    );

    fireEvent.click(screen.getByRole('button', { name: `Edit procedure ${procedure.title}` }));
    const dialog = await screen.findByRole('dialog', { name: `Edit procedure: ${procedure.title}` });
    fireEvent.change(within(dialog).getByRole('textbox', { name: /conclusion/i }), { target: { value: 'Fine' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save procedure' }));
    await waitFor(() => expect(callsTo(fetch, '/api/engagements/3/procedures/21', 'PUT')).toHaveLength(1));
    const put = callsTo(fetch, '/api/engagements/3/procedures/21', 'PUT')[0].init;
    expect(JSON.parse(String(put.body))).toEqual({ conclusion: 'Fine' });
    expect((put.headers as Record<string, string>)['If-Match']).toBe('"2"');
  });

  it('shows the engagement as of the time in the URL, read-only, with its findings counted as they were', async () => {
    const at = '2026-01-01T12:00:00.000Z';
    const then = {
      ...engagement,
      title: 'Payroll review',
      phase: 'Planning' as const,
      findings_by_status: { Open: 0, Approved: 0, Closed: 0 },
      procedures: [],
      procedures_total: 0,
      version: 1,
    };
    const fetch = serveEngagement(WRITER, engagement, (url) =>
      url.pathname === '/api/engagements/3' && url.searchParams.get('as_of') ? one(then) : null,
    );
    renderAt(`/engagements/3?as_of=${at}`, routes);
    expect(await screen.findByText('Historical view')).toBeInTheDocument();
    await screen.findByRole('heading', { level: 1, name: '#3 Payroll review' });
    expect(callsTo(fetch, '/api/engagements/3').some((c) => c.url.searchParams.get('as_of') === at)).toBe(true);
    const counts = screen.getByRole('region', { name: 'Findings then' });
    expect(within(counts).getByText('Open 0 · Approved 0 · Closed 0')).toBeInTheDocument();
    expect(screen.queryByText(procedure.title)).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: finding.title })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Move/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Change status' })).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Back to current' }));
    await screen.findByRole('heading', { level: 1, name: '#3 Payroll audit' });
    expect(await screen.findByRole('link', { name: 'Edit' })).toBeInTheDocument();
  });

  it('says when the engagement had not been planned yet at the chosen time', async () => {
    serveEngagement(VIEWER, engagement, (url) =>
      url.pathname === '/api/engagements/3' && url.searchParams.get('as_of')
        ? fail(404, 'NOT_FOUND', 'not found')
        : null,
    );
    renderAt('/engagements/3?as_of=2025-06-01T00:00:00.000Z', routes);
    expect(await screen.findByText('The engagement had not been planned yet at that time.')).toBeInTheDocument();
  });

  it('shows a viewer the engagement without any write action', async () => {
    serveEngagement(VIEWER, engagement);
    renderAt('/engagements/3', routes);
    expect(await screen.findByRole('heading', { level: 1, name: '#3 Payroll audit' })).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: finding.title })).toBeInTheDocument();
    expect(screen.getByText(procedure.title)).toBeInTheDocument();
    // The only button is the "view as of" picker's, which reads.
    expect(screen.queryAllByRole('button').map((b) => b.textContent)).toEqual(['Show']);
    expect(screen.queryByRole('link', { name: 'Edit' })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Raise finding' })).not.toBeInTheDocument();
  });
});
