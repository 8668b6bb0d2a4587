import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionNotice } from './ConnectionNotice';
import { api } from '../lib/api';
import { isOnline, setOnline } from '../lib/connection';
import { mockFetch, renderAt } from '../test-utils';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  setOnline(true);
});

describe('ConnectionNotice', () => {
  it('shows while the server answers 503, keeps the user signed in, and goes once /readyz answers', async () => {
    let down = true;
    const fetch = mockFetch((url) => {
      if (url.pathname === '/readyz')
        return down ? { status: 503, body: { status: 'unavailable' } } : { body: { status: 'ready' } };
      if (down)
        return {
          status: 503,
          body: { success: false, error: { code: 'SERVER_ERROR', message: 'briefly unavailable' } },
        };
      return { body: { success: true, data: [] } };
    });
    const unauthenticated = vi.fn();
    window.addEventListener('strata:unauthenticated', unauthenticated);
    renderAt('/', [{ path: '/', element: <ConnectionNotice /> }]);
    expect(screen.queryByTestId('reconnecting')).toBeNull();

    await act(async () => {
      await expect(api('/risks')).rejects.toMatchObject({ status: 503 });
    });
    expect(isOnline()).toBe(false);
    expect(await screen.findByText(/Reconnecting to the server/)).toBeInTheDocument();
    expect(screen.getByText(/still signed in/)).toBeInTheDocument();
    expect(unauthenticated).not.toHaveBeenCalled();

    down = false;
    await waitFor(() => expect(screen.queryByTestId('reconnecting')).toBeNull(), { timeout: 5000 });
    expect(fetch.mock.calls.some(([u]) => String(u).endsWith('/readyz'))).toBe(true);
    window.removeEventListener('strata:unauthenticated', unauthenticated);
  });

  it('treats a failed fetch as a lost connection', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(api('/risks')).rejects.toBeInstanceOf(TypeError);
    expect(isOnline()).toBe(false);
  });
});
