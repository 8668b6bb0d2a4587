import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { api, isUnavailable } from './api';
import type { AuthStatus } from './types';
import { Loading } from '../components/Loading';
import { ErrorAlert } from '../components/ErrorAlert';

export const AUTH_KEY = ['auth', 'status'] as const;

interface AuthValue {
  status: AuthStatus | undefined;
  isLoading: boolean;
  error: unknown;
  can: (permission: string) => boolean;
  /** Replaces the cached status (after login or an organization switch) and drops other cached data. */
  setStatus: (s: AuthStatus) => void;
  refresh: () => Promise<unknown>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: AUTH_KEY,
    queryFn: async () => (await api<AuthStatus>('/auth/status')).data,
    staleTime: 60_000,
  });

  useEffect(() => {
    // Any 401 from the API means the session is gone: ask the server again.
    const onUnauth = () => void qc.invalidateQueries({ queryKey: AUTH_KEY });
    window.addEventListener('strata:unauthenticated', onUnauth);
    return () => window.removeEventListener('strata:unauthenticated', onUnauth);
  }, [qc]);

  const setStatus = useCallback(
    (s: AuthStatus) => {
      qc.removeQueries({ predicate: (query) => query.queryKey[0] !== 'auth' });
      qc.setQueryData(AUTH_KEY, s);
    },
    [qc],
  );

  const perms = q.data?.permissions ?? [];
  const value: AuthValue = {
    status: q.data,
    isLoading: q.isLoading,
    error: q.error,
    can: (p) => perms.includes(p),
    setStatus,
    refresh: () => q.refetch(),
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { status, isLoading, error } = useAuth();
  const location = useLocation();
  if (isLoading) return <Loading />;
  // While the server is unreachable the connection notice says so; signing in again
  // would not help, so the login page is not shown.
  if (error && !status && isUnavailable(error)) return <Loading />;
  if (error && !status) return <ErrorAlert error={error} title="Cannot reach the server" />;
  if (!status?.authenticated) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}
