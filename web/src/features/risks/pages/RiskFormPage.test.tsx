import { fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOGGED_IN, mockFetch, renderAt } from '../../../test-utils';
import { RiskFormPage } from './RiskFormPage';

afterEach(() => vi.unstubAllGlobals());

const WRITER = {
  ...LOGGED_IN,
  data: { ...LOGGED_IN.data, permissions: ['members:read', 'risks:read', 'risks:write'] },
};

describe('RiskFormPage', () => {
  it("shows the API's field errors beside each field", async () => {
    const fetch = mockFetch((url, init) => {
      if (url.pathname === '/api/auth/status') return { body: WRITER };
      if (url.pathname === '/api/members') return { body: { success: true, data: [] } };
      if (url.pathname === '/api/risks' && init.method === 'POST') {
        return {
          status: 400,
          body: {
            success: false,
            error: {
              code: 'VALIDATION_ERROR',
              message: 'title is required',
              fields: { title: 'is required', category: 'is required' },
              request_id: 'r',
            },
          },
        };
      }
      return { status: 404, body: { success: false, error: { code: 'NOT_FOUND', message: 'no', request_id: 'r' } } };
    });
    renderAt('/risks/new', [{ path: '/risks/new', element: <RiskFormPage /> }]);
    fireEvent.click(await screen.findByRole('button', { name: /create risk/i }));
    const title = await screen.findByLabelText(/title/i);
    expect(await screen.findAllByText('is required')).toHaveLength(2);
    expect(title).toHaveAttribute('aria-invalid', 'true');
    const post = fetch.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'POST');
    expect(JSON.parse(String((post?.[1] as RequestInit).body))).toMatchObject({
      likelihood: 3,
      impact: 3,
      status: 'Identified',
    });
  });
});
