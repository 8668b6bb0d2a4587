import { fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderAt } from '../../test-utils';
import { LoginPage } from './LoginPage';

afterEach(() => vi.unstubAllGlobals());

function fillAndSubmit() {
  fireEvent.change(screen.getByLabelText(/email/i), { target: { value: 'ada@example.com' } });
  fireEvent.change(screen.getByLabelText(/password/i), { target: { value: 'wrong' } });
  fireEvent.click(screen.getByRole('button', { name: /sign in/i }));
}

describe('LoginPage', () => {
  it("shows the API's message for a 401", async () => {
    mockFetch((url) =>
      url.pathname === '/api/auth/status'
        ? { body: { success: true, data: { authenticated: false } } }
        : {
            status: 401,
            body: {
              success: false,
              error: { code: 'AUTH_REQUIRED', message: 'email or password is wrong', request_id: 'x' },
            },
          },
    );
    renderAt('/login', [{ path: '/login', element: <LoginPage /> }]);
    fillAndSubmit();
    expect(await screen.findByText('email or password is wrong')).toBeInTheDocument();
  });

  it('shows the retry time for a 429', async () => {
    mockFetch((url) =>
      url.pathname === '/api/auth/status'
        ? { body: { success: true, data: { authenticated: false } } }
        : {
            status: 429,
            headers: { 'Retry-After': '30' },
            body: {
              success: false,
              error: { code: 'RATE_LIMITED', message: 'too many failed logins', request_id: 'x' },
            },
          },
    );
    renderAt('/login', [{ path: '/login', element: <LoginPage /> }]);
    fillAndSubmit();
    expect(await screen.findByText(/too many failed logins.*try again in 30 s/i)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /sign in/i })).toBeDisabled();
  });
});
