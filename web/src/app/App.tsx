import { MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { ApiError } from '../lib/api';
import { AuthProvider, RequireAuth } from '../lib/auth';
import { AppLayout } from '../components/AppLayout';
import { LoginPage } from '../features/auth/LoginPage';
import { ConnectionNotice } from '../components/ConnectionNotice';
import { ModulesContext } from '../lib/modules';
import { modules } from './modules';

const nav = modules.flatMap((m) => m.nav ?? []);
const routes = modules.flatMap((m) => m.routes);

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, err) => {
        if (err instanceof ApiError && err.status < 500) return false;
        return count < 2;
      },
      refetchOnWindowFocus: false,
    },
  },
});

// Mantine's default shades and dimmed grey fall under WCAG AA contrast on white; the
// darker shades and autoContrast (dark text on light fills) keep text readable.
const theme = createTheme({ primaryColor: 'indigo', primaryShade: 9, autoContrast: true });

const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  // Field errors in the default red-6 are 3.3:1 on white; red-9 reads at 5.4:1.
  light: {
    '--mantine-color-dimmed': 'var(--mantine-color-gray-7)',
    '--mantine-color-error': 'var(--mantine-color-red-9)',
  },
  dark: {},
});

export function App() {
  return (
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <div style={{ position: 'fixed', top: 0, left: 0, right: 0, zIndex: 1000 }}>
          <ConnectionNotice />
        </div>
        <BrowserRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
          <AuthProvider>
            <ModulesContext.Provider value={modules}>
              <Routes>
                <Route path="/login" element={<LoginPage />} />
                <Route
                  element={
                    <RequireAuth>
                      <AppLayout nav={nav} />
                    </RequireAuth>
                  }
                >
                  {routes.map((r) =>
                    r.path === '' ? (
                      <Route key="index" index element={r.element} />
                    ) : (
                      <Route key={r.path} path={r.path} element={r.element} />
                    ),
                  )}
                  <Route path="*" element={<Navigate to="/" replace />} />
                </Route>
              </Routes>
            </ModulesContext.Provider>
          </AuthProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
}
