import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAt } from '../../../test-utils';
import { INVESTIGATOR, callsTo, one, openCase, serve } from '../testData';
import { CaseFormPage } from './CaseFormPage';

afterEach(() => vi.unstubAllGlobals());

const routes = [
  { path: '/cases/new', element: <CaseFormPage /> },
  { path: '/cases/:id/edit', element: <CaseFormPage /> },
  { path: '/cases/:id', element: <h1>Case page</h1> },
];

describe('CaseFormPage', () => {
  it('asks for a title before sending, then opens the case', async () => {
    const fetch = serve(INVESTIGATOR, (url, init) =>
      url.pathname === '/api/cases' && init.method === 'POST' ? one({ ...openCase, id: 9 }, 201) : null,
    );
    renderAt('/cases/new', routes);
    const submit = await screen.findByRole('button', { name: 'Open case' });
    expect(screen.getByRole('textbox', { name: 'Priority' })).toHaveValue('Medium');
    fireEvent.click(submit);
    expect(await screen.findByText('is required')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Title' })).toHaveAttribute('aria-invalid', 'true');
    expect(callsTo(fetch, '/api/cases', 'POST')).toHaveLength(0);

    fireEvent.change(screen.getByRole('textbox', { name: 'Title' }), { target: { value: 'Leaked price list' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /Confidential/ }));
    fireEvent.click(submit);
    await screen.findByRole('heading', { name: 'Case page' });
    const body = JSON.parse(String(callsTo(fetch, '/api/cases', 'POST')[0].init.body));
    expect(body).toEqual({
      title: 'Leaked price list',
      description: '',
      type: '',
      priority: 'medium',
      reporter: '',
      confidential: true,
    });
  });

  it('edits with If-Match, sending only what changed', async () => {
    const fetch = serve(INVESTIGATOR, (url, init) => {
      if (url.pathname !== '/api/cases/4') return null;
      return init.method === 'PUT' ? one({ ...openCase, reporter: 'Audit', version: 4 }) : one(openCase);
    });
    renderAt('/cases/4/edit', routes);
    const reporter = await screen.findByRole('textbox', { name: 'Reporter' });
    await waitFor(() => expect(reporter).toHaveValue('Hotline'));
    fireEvent.change(reporter, { target: { value: 'Audit' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByRole('heading', { name: 'Case page' });
    const put = callsTo(fetch, '/api/cases/4', 'PUT')[0];
    expect(JSON.parse(String(put.init.body))).toEqual({ reporter: 'Audit' });
    expect((put.init.headers as Record<string, string>)['If-Match']).toBe('"3"');
  });
});
