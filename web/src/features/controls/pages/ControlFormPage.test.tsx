import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { ControlFormPage } from './ControlFormPage';

afterEach(() => vi.unstubAllGlobals());

const WRITER = { ...LOGGED_IN, data: { ...LOGGED_IN.data, permissions: ['controls:read', 'controls:write'] } };

describe('ControlFormPage', () => {
  it("shows the API's field errors beside each field", async () => {
    const fetch = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/status') return { body: WRITER };
      if (url.pathname === '/api/frameworks') return { body: { success: true, data: [], meta: {} } };
      if (url.pathname === '/api/controls' && init.method === 'POST') {
        return {
          status: 400,
          body: {
            success: false,
            error: {
              code: 'VALIDATION_ERROR',
              message: 'code is required',
              fields: { code: 'is required', title: 'is required', id: 'odd' },
            },
          },
        };
      }
      return { status: 404, body: { success: false, error: { code: 'NOT_FOUND', message: 'no' } } };
    });
    renderAt('/controls/new', [{ path: '/controls/new', element: <ControlFormPage /> }]);
    fireEvent.click(await screen.findByRole('button', { name: 'Create control' }));
    expect(await screen.findAllByText('is required')).toHaveLength(2);
    expect(screen.getByRole('textbox', { name: /^code/i })).toHaveAttribute('aria-invalid', 'true');
    // A problem with a field the form does not show still reaches the user.
    expect(screen.getByRole('alert')).toHaveTextContent('id: odd');
    const post = fetch.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'POST');
    expect(JSON.parse(String((post?.[1] as RequestInit).body))).toMatchObject({
      status: 'Draft',
      type: 'preventive',
      frequency: 'quarterly',
      framework_id: null,
    });
  });

  it('edits with If-Match and offers a reload after a conflict', async () => {
    const control = {
      id: 7,
      code: 'BK-01',
      title: 'Nightly backups',
      description: '',
      framework_id: null,
      status: 'Active',
      type: 'corrective',
      frequency: 'daily',
      owner_id: null,
      effectiveness: 'Effective',
      last_tested_at: null,
      risk_ids: [],
      requirement_ids: [],
      created_at: '',
      updated_at: '',
      version: 3,
    };
    let version = 3;
    const fetch = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/status') return { body: WRITER };
      if (url.pathname === '/api/frameworks') return { body: { success: true, data: [], meta: {} } };
      if (url.pathname === '/api/controls/7' && init.method === 'PUT')
        return {
          status: 409,
          body: { success: false, error: { code: 'CONFLICT', message: 'the control has changed' } },
        };
      return { body: { success: true, data: { ...control, version } } };
    });
    renderAt('/controls/7/edit', [{ path: '/controls/:id/edit', element: <ControlFormPage /> }]);
    expect(await screen.findByRole('heading', { name: 'Edit control BK-01' })).toBeInTheDocument();
    fireEvent.click(screen.getByRole('textbox', { name: 'Status' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Archived' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    const reload = await screen.findByRole('button', { name: 'Reload the control' });
    const put = fetch.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'PUT')!;
    expect((put[1] as RequestInit).headers).toMatchObject({ 'If-Match': '"3"' });
    expect(JSON.parse(String((put[1] as RequestInit).body))).toEqual({ status: 'Archived' });
    // The other session's write reaches the read model a moment after the conflict:
    // the reload reads again until the newer version shows.
    setTimeout(() => {
      version = 4;
    }, 100);
    fireEvent.click(reload);
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Reload the control' })).not.toBeInTheDocument());
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await screen.findByRole('button', { name: 'Reload the control' });
    const puts = fetch.mock.calls.filter((c) => (c[1] as RequestInit | undefined)?.method === 'PUT');
    expect((puts[1][1] as RequestInit).headers).toMatchObject({ 'If-Match': '"4"' });
  });
});
