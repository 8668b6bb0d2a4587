import { AppShell, Burger, Button, Group, NavLink, Select, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { api, errorMessage } from '../lib/api';
import { AUTH_KEY, useAuth } from '../lib/auth';
import type { NavEntry } from '../lib/modules';
import type { AuthStatus } from '../lib/types';

export function AppLayout({ nav }: { nav: NavEntry[] }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { status, setStatus, can } = useAuth();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();

  const logout = useMutation({
    mutationFn: () => api('/auth/logout', { method: 'POST' }),
    onSettled: () => {
      qc.clear();
      qc.setQueryData(AUTH_KEY, { authenticated: false });
      navigate('/login', { replace: true });
    },
  });

  const switchOrg = useMutation({
    mutationFn: async (organization_id: number) =>
      (
        await api<Omit<AuthStatus, 'authenticated'>>('/auth/organization', {
          method: 'POST',
          body: { organization_id },
        })
      ).data,
    onSuccess: (data) => {
      setStatus({ authenticated: true, ...data });
      navigate('/');
    },
  });

  const orgs = status?.organizations ?? [];

  return (
    <AppShell
      header={{ height: { base: 110, sm: 60 } }}
      navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="wrap" gap="xs" py={4}>
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={2} size="h4">
              Strata
            </Title>
          </Group>
          <Group gap="sm" wrap="wrap">
            <Stack gap={0} align="flex-end">
              <Text size="sm" fw={600}>
                {status?.user?.name}
              </Text>
              <Text size="xs" c="dimmed">
                {status?.organization?.name} · {status?.organization?.role}
              </Text>
            </Stack>
            {orgs.length > 1 && (
              <Select
                aria-label="Organization"
                size="xs"
                w={160}
                data={orgs.map((o) => ({ value: String(o.id), label: o.name }))}
                value={String(status?.organization?.id ?? '')}
                onChange={(v) => v && Number(v) !== status?.organization?.id && switchOrg.mutate(Number(v))}
                disabled={switchOrg.isPending}
                error={switchOrg.error ? errorMessage(switchOrg.error) : undefined}
                allowDeselect={false}
              />
            )}
            <Button size="xs" variant="default" onClick={() => logout.mutate()} loading={logout.isPending}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {nav
          .filter((n) => !n.permission || can(n.permission))
          .map((n) => (
            <NavLink
              key={n.to}
              component={Link}
              to={n.to}
              label={n.label}
              onClick={close}
              active={n.to === '/' ? location.pathname === '/' : location.pathname.startsWith(n.to)}
            />
          ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
