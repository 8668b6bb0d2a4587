import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError, errorMessage } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { mapApiErrors } from '../../lib/fieldErrors';
import type { AuthStatus } from '../../lib/types';

type LoginResult = Omit<AuthStatus, 'authenticated'>;

/** Only same-app paths are followed after login. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const { status, setStatus } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [retryLeft, setRetryLeft] = useState(0);

  const login = useMutation({
    mutationFn: async () =>
      (await api<LoginResult>('/auth/login', { method: 'POST', body: { email: email.trim(), password } })).data,
    onSuccess: (data) => {
      setStatus({ authenticated: true, ...data });
      navigate(safeNext(params.get('next')), { replace: true });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'RATE_LIMITED') setRetryLeft(err.retryAfter ?? 0);
    },
  });

  useEffect(() => {
    if (retryLeft <= 0) return;
    const t = setTimeout(() => setRetryLeft((s) => s - 1), 1000);
    return () => clearTimeout(t);
  }, [retryLeft]);

  if (status?.authenticated) return <Navigate to={safeNext(params.get('next'))} replace />;

  const err = login.error;
  const mapped = mapApiErrors(err, ['email', 'password']);
  let message: string | null = null;
  if (err instanceof ApiError && err.code === 'RATE_LIMITED') {
    message =
      retryLeft > 0 ? `${err.message} You can try again in ${retryLeft} s.` : `${err.message} You can try again now.`;
  } else if (err) {
    message = mapped.form ?? (Object.keys(mapped.fields).length ? null : errorMessage(err));
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <form onSubmit={submit} noValidate aria-labelledby="login-title">
          <Stack>
            <Title order={1} size="h2" id="login-title">
              Sign in to Strata
            </Title>
            {message && (
              <Alert
                color="red"
                role="alert"
                title={err instanceof ApiError && err.status === 429 ? 'Too many attempts' : 'Sign-in failed'}
              >
                {message}
              </Alert>
            )}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={mapped.fields.email}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={mapped.fields.password}
            />
            <Button type="submit" loading={login.isPending} disabled={retryLeft > 0 || !email || !password}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
