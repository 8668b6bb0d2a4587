import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import { AuthProvider } from './lib/auth';

type Handler = (url: URL, init: RequestInit) => { status?: number; body: unknown; headers?: Record<string, string> };

/** Replaces fetch with a handler; returns the mock so tests can inspect calls. */
export function mockFetch(handler: Handler) {
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost');
    const r = handler(url, init);
    return new Response(JSON.stringify(r.body), {
      status: r.status ?? 200,
      headers: { 'Content-Type': 'application/json', ...r.headers },
    });
  });
  vi.stubGlobal('fetch', fn);
  return fn;
}

export function renderAt(path: string, routes: { path: string; element: ReactNode }[]) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={qc}>
        <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <AuthProvider>
            <Routes>
              {routes.map((r) => (
                <Route key={r.path} path={r.path} element={r.element} />
              ))}
            </Routes>
          </AuthProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

export const LOGGED_IN = {
  success: true,
  data: {
    authenticated: true,
    user: { id: 1, email: 'ada@example.com', name: 'Ada', disabled: false },
    organization: { id: 3, name: 'Acme', role: 'viewer' },
    organizations: [{ id: 3, name: 'Acme', role: 'viewer' }],
    permissions: ['members:read', 'risks:read'],
  },
};
