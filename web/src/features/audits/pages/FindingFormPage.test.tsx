import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { WRITER, callsTo, engagement, fail, finding, one, page, serve } from '../testData';
import { FindingFormPage } from './FindingFormPage';

afterEach(() => vi.unstubAllGlobals());

const routes = [
  { path: '/findings/new', element: <FindingFormPage /> },
  { path: '/findings/:id', element: <h1>Finding page</h1> },
  { path: '/findings/:id/edit', element: <FindingFormPage /> },
];

const control = { id: 7, code: 'BK-01', title: 'Nightly backups', status: 'Active', effectiveness: 'Ineffective' };

describe('FindingFormPage', () => {
  it('raises a finding from a failed control test named in the link', async () => {
    const fetch = serve(WRITER, (url, init) => {
      if (url.pathname === '/api/engagements') return page([engagement]);
      if (url.pathname === '/api/controls/7') return one(control);
      if (url.pathname === '/api/findings' && init.method === 'POST') return one({ ...finding, id: 30 }, 201);
      return null;
    });
    renderAt('/findings/new?control_id=7&source_test_id=12', routes);
    expect(await screen.findByText('Raised from control test #12')).toBeInTheDocument();
    const controlBox = screen.getByRole('textbox', { name: /linked control/i });
    await waitFor(() => expect(controlBox).toHaveValue('BK-01 — Nightly backups'));
    expect(controlBox).toBeDisabled();
    expect(callsTo(fetch, '/api/engagements')[0].url.searchParams.get('active')).toBe('true');

    fireEvent.click(screen.getByRole('textbox', { name: /engagement/i }));
    fireEvent.click(await screen.findByRole('option', { name: '#3 Payroll audit' }));
    fireEvent.change(screen.getByRole('textbox', { name: /title/i }), { target: { value: 'Restores fail' } });
    fireEvent.click(screen.getByRole('button', { name: 'Raise finding' }));
    expect(await screen.findByRole('heading', { name: 'Finding page' })).toBeInTheDocument();
    expect(JSON.parse(String(callsTo(fetch, '/api/findings', 'POST')[0].init.body))).toMatchObject({
      engagement_id: 3,
      title: 'Restores fail',
      control_id: 7,
      source_test_id: 12,
      severity: 'Medium',
    });
  });

  it('starts from the engagement in the link and shows field errors beside the fields', async () => {
    serve(WRITER, (url, init) => {
      if (url.pathname === '/api/engagements') return page([engagement]);
      if (url.pathname === '/api/findings' && init.method === 'POST')
        return fail(400, 'VALIDATION_ERROR', 'title is required', {
          title: 'is required',
          due_date: 'must be YYYY-MM-DD',
        });
      return null;
    });
    renderAt('/findings/new?engagement_id=3', routes);
    await waitFor(() => expect(screen.getByRole('textbox', { name: /engagement/i })).toHaveValue('#3 Payroll audit'));
    fireEvent.click(screen.getByRole('button', { name: 'Raise finding' }));
    expect(await screen.findByText('is required')).toBeInTheDocument();
    expect(screen.getByText('must be YYYY-MM-DD')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /title/i })).toHaveAttribute('aria-invalid', 'true');
  });

  it('keeps the text of an Approved finding frozen, saying why, and saves the editable fields', async () => {
    const approved = { ...finding, status: 'Approved' as const, version: 3 };
    const fetch = serve(WRITER, (url, init) => {
      if (url.pathname === '/api/engagements') return page([engagement]);
      if (url.pathname === '/api/findings/8' && init.method === 'PUT') return one(approved);
      if (url.pathname === '/api/findings/8') return one(approved);
      return null;
    });
    renderAt('/findings/8/edit', routes);
    const title = await screen.findByRole('textbox', { name: /title/i });
    await waitFor(() => expect(title).toHaveValue(finding.title));
    expect(title).toBeDisabled();
    expect(title).toHaveAccessibleDescription('Frozen while the finding is Approved; reopen it to edit.');
    for (const name of [/description/i, /severity/i, /linked risk/i, /linked control/i, /engagement/i]) {
      expect(screen.getByRole('textbox', { name })).toBeDisabled();
    }
    expect(screen.getByText('The finding is Approved')).toBeInTheDocument();
    const due = screen.getByLabelText('Due date');
    expect(due).toBeEnabled();
    expect(screen.getByRole('textbox', { name: /assigned to/i })).toBeEnabled();
    fireEvent.change(due, { target: { value: '2026-06-30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(callsTo(fetch, '/api/findings/8', 'PUT')).toHaveLength(1));
    const put = callsTo(fetch, '/api/findings/8', 'PUT')[0].init;
    expect(JSON.parse(String(put.body))).toEqual({ due_date: '2026-06-30' });
    expect((put.headers as Record<string, string>)['If-Match']).toBe('"3"');
  });
});
