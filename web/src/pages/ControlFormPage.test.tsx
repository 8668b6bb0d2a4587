import { fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../test-utils';
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
});
