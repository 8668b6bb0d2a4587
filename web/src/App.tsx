import { MantineProvider, createTheme, type CSSVariablesResolver } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { ApiError } from './lib/api';
import { AuthProvider, RequireAuth } from './lib/auth';
import { AppLayout } from './components/AppLayout';
import { LoginPage } from './pages/LoginPage';
import { RisksListPage } from './pages/RisksListPage';
import { RiskPage } from './pages/RiskPage';
import { RiskFormPage } from './pages/RiskFormPage';
import { ControlsListPage } from './pages/ControlsListPage';
import { ControlPage } from './pages/ControlPage';
import { ControlFormPage } from './pages/ControlFormPage';
import { FrameworksListPage } from './pages/FrameworksListPage';
import { FrameworkPage } from './pages/FrameworkPage';
import { Loading } from './components/Loading';
import { ConnectionNotice } from './components/ConnectionNotice';

// Heavy pages (charts, API reference) are split into their own chunks.
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const DocsPage = lazy(() => import('./pages/DocsPage'));

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
            <Routes>
              <Route path="/login" element={<LoginPage />} />
              <Route
                element={
                  <RequireAuth>
                    <AppLayout />
                  </RequireAuth>
                }
              >
                <Route
                  index
                  element={
                    <Suspense fallback={<Loading />}>
                      <DashboardPage />
                    </Suspense>
                  }
                />
                <Route path="risks" element={<RisksListPage />} />
                <Route path="risks/new" element={<RiskFormPage />} />
                <Route path="risks/:id" element={<RiskPage />} />
                <Route path="risks/:id/edit" element={<RiskFormPage />} />
                <Route path="controls" element={<ControlsListPage />} />
                <Route path="controls/new" element={<ControlFormPage />} />
                <Route path="controls/:id" element={<ControlPage />} />
                <Route path="controls/:id/edit" element={<ControlFormPage />} />
                <Route path="frameworks" element={<FrameworksListPage />} />
                <Route path="frameworks/:id" element={<FrameworkPage />} />
                <Route
                  path="api/docs"
                  element={
                    <Suspense fallback={<Loading />}>
                      <DocsPage />
                    </Suspense>
                  }
                />
                <Route path="*" element={<Navigate to="/" replace />} />
              </Route>
            </Routes>
          </AuthProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
}
