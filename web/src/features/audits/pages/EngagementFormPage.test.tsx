import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { VIEWER, WRITER, callsTo, engagement, fail, one, serve } from '../testData';
import { EngagementFormPage } from './EngagementFormPage';

afterEach(() => vi.unstubAllGlobals());

const routes = [
  { path: '/engagements', element: <h1>List</h1> },
  { path: '/engagements/new', element: <EngagementFormPage /> },
  { path: '/engagements/:id', element: <h1>Engagement page</h1> },
  { path: '/engagements/:id/edit', element: <EngagementFormPage /> },
];

describe('EngagementFormPage', () => {
  it("shows the API's field errors beside the fields", async () => {
    const fetch = serve(WRITER, (url, init) =>
      url.pathname === '/api/engagements' && init.method === 'POST'
        ? fail(400, 'VALIDATION_ERROR', 'title is required', {
            title: 'is required',
            lead_auditor_id: 'is not a member of the organization',
          })
        : null,
    );
    renderAt('/engagements/new', routes);
    fireEvent.click(await screen.findByRole('button', { name: 'Create engagement' }));
    expect(await screen.findByText('is required')).toBeInTheDocument();
    expect(screen.getByText('is not a member of the organization')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /title/i })).toHaveAttribute('aria-invalid', 'true');
    expect(JSON.parse(String(callsTo(fetch, '/api/engagements', 'POST')[0].init.body))).toEqual({
      title: '',
      scope: '',
      auditee: '',
      lead_auditor_id: null,
      planned_start: null,
      planned_end: null,
      status: 'On Track',
    });
  });

  it('saves the changed fields with If-Match, and after a conflict reloads the current version', async () => {
    let version = 4;
    const fetch = serve(WRITER, (url, init) => {
      if (url.pathname !== '/api/engagements/3') return null;
      if (init.method === 'PUT') return fail(409, 'CONFLICT', 'stale version');
      return one({ ...engagement, version, auditee: version === 4 ? 'Finance' : 'Treasury' });
    });
    renderAt('/engagements/3/edit', routes);
    const auditee = await screen.findByRole('textbox', { name: /auditee/i });
    await waitFor(() => expect(auditee).toHaveValue('Finance'));
    fireEvent.change(auditee, { target: { value: 'Payroll' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Someone else changed this engagement')).toBeInTheDocument();
    const put = callsTo(fetch, '/api/engagements/3', 'PUT')[0].init;
    expect(JSON.parse(String(put.body))).toEqual({ auditee: 'Payroll' });
    expect((put.headers as Record<string, string>)['If-Match']).toBe('"4"');
    expect(screen.queryByRole('textbox', { name: 'Status' })).not.toBeInTheDocument();

    version = 5;
    fireEvent.click(screen.getByRole('button', { name: 'Reload the engagement' }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: /auditee/i })).toHaveValue('Treasury'));
    expect(screen.queryByText('Someone else changed this engagement')).not.toBeInTheDocument();
  });

  it('sends a viewer back to the list', async () => {
    serve(VIEWER);
    renderAt('/engagements/new', routes);
    expect(await screen.findByRole('heading', { name: 'List' })).toBeInTheDocument();
  });
});
