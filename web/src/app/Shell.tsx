import {
  AppShell,
  Box,
  Center,
  Group,
  Loader,
  Menu,
  NavLink,
  Select,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import {
  IconBox,
  IconBuilding,
  IconBuildingSkyscraper,
  IconChevronDown,
  IconListDetails,
  IconLock,
  IconLogout,
  IconMail,
  IconPlugConnected,
  IconShieldLock,
  IconTimeline,
  IconTimelineEvent,
  IconUserCircle,
  IconUsers,
  IconUsersGroup,
  IconWebhook,
} from '@tabler/icons-react';
import { Link, Outlet, useNavigate, useParams, useRouterState } from '@tanstack/react-router';
import { useEffect } from 'react';
import { ApiError } from '../api/client.ts';
import { useMe, useSignOut, useTenants } from '../api/hooks.ts';
import { SetupWizard } from '../pages/Setup/SetupWizard.tsx';
import { ForcedEnrolment, ForcedPasswordChange } from '../pages/SignIn/RestrictedScreens.tsx';
import { UserAvatar } from '../ui/index.tsx';

function Logo() {
  return (
    <Group gap={8} wrap="nowrap">
      <Box
        w={28}
        h={28}
        style={{
          borderRadius: 8,
          background: 'linear-gradient(135deg, #4263eb, #7048e8)',
          display: 'grid',
          placeItems: 'center',
        }}
      >
        <Text c="white" fw={800} size="sm">
          R
        </Text>
      </Box>
      <Text fw={700} size="lg" style={{ letterSpacing: -0.3 }}>
        Rollcall
      </Text>
    </Group>
  );
}

/** The signed-in frame: navigation on the left, tenant switcher and user menu on top. */
export function Shell() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const me = useMe();
  const tenants = useTenants(undefined, me.data?.permissions.includes('tenants.read') ?? false);
  const navigate = useNavigate();
  const signOut = useSignOut();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  // the navbar's breakpoint (sm): below it there is no sidebar column to continue
  const wide = useMediaQuery('(min-width: 48em)');

  useEffect(() => {
    if (me.error instanceof ApiError && me.error.status === 401) void navigate({ to: '/sign-in' });
  }, [me.error, navigate]);

  if (me.isLoading || !me.data) {
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  }
  if (me.data.passwordChangeRequired) return <ForcedPasswordChange />;
  if (me.data.mfaEnrolmentRequired) return <ForcedEnrolment onDone={() => void me.refetch()} />;
  if (me.data.setupRequired) return <SetupWizard />;
  const user = me.data.user;
  const can = (p: string) => me.data.permissions.includes(p);
  const section = pathname.split('/')[3] ?? 'users';
  const current = tenants.data?.items.find((x) => x.id === tenantId);
  const sorted = [...(tenants.data?.items ?? [])].sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'provider' ? -1 : 1,
  );

  const nav = [
    { to: 'users', label: 'Users', icon: IconUsers, show: can('users.read') },
    { to: 'roles', label: 'Roles & permissions', icon: IconShieldLock, show: can('roles.read') },
    { to: 'resources', label: 'Resources', icon: IconBox, show: can('resources.read') },
    // the tenants list is the provider's view; inside a customer it would only show that customer
    {
      to: 'tenants',
      label: 'Tenants',
      icon: IconBuildingSkyscraper,
      show: can('tenants.read') && tenantId === user.tenantId,
    },
    { to: 'flows', label: 'User flows', icon: IconTimeline, show: can('flows.read') },
    { to: 'flow-runs', label: 'Flow runs', icon: IconTimelineEvent, show: can('flows.read') },
    { to: 'security', label: 'Security settings', icon: IconLock, show: can('settings.manage') },
    { to: 'outbox', label: 'Outbox', icon: IconMail, show: can('settings.manage') },
    { to: 'provisioning', label: 'Provisioning', icon: IconPlugConnected, show: can('directory.manage') },
    { to: 'webhooks', label: 'Webhooks', icon: IconWebhook, show: can('settings.manage') },
    { to: 'audit', label: 'Audit log', icon: IconListDetails, show: can('audit.read') },
  ];
  const shown = nav.filter((n) => n.show);

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 240, breakpoint: 'sm' }} padding="xl">
      <AppShell.Header style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
        <Group h="100%" px="lg" justify="space-between">
          <Group gap="xl">
            <Logo />
            {sorted.length > 1 ? (
              <Select
                aria-label="Tenant"
                data-testid="tenant-switcher"
                w={300}
                leftSection={<IconUsersGroup size={16} />}
                value={tenantId}
                allowDeselect={false}
                searchable
                nothingFoundMessage="No tenant matches"
                data={[
                  {
                    group: 'Provider',
                    items: sorted
                      .filter((x) => x.kind === 'provider')
                      .map((x) => ({ value: x.id, label: x.name })),
                  },
                  {
                    group: 'Customers',
                    items: sorted
                      .filter((x) => x.kind === 'customer')
                      .map((x) => ({ value: x.id, label: x.name })),
                  },
                ].filter((g) => g.items.length > 0)}
                onChange={(value) => {
                  if (value)
                    void navigate({
                      to: `/t/${value}/${section === 'tenants' && value !== user.tenantId ? 'users' : section}`,
                    });
                }}
                comboboxProps={{ shadow: 'md' }}
              />
            ) : (
              // nothing to switch to: the tenant by name, not an empty dropdown
              <Group gap={6} data-testid="tenant-name">
                <IconBuilding size={16} color="var(--mantine-color-dimmed)" />
                <Text size="sm" fw={600}>
                  {current?.name ?? me.data.tenant.name}
                </Text>
              </Group>
            )}
            {current && current.id !== user.tenantId ? (
              <Text size="sm" c="dimmed">
                Acting in customer <b>{current.name}</b>
              </Text>
            ) : null}
          </Group>
          <Menu position="bottom-end" shadow="md" width={220}>
            <Menu.Target>
              <UnstyledButton aria-label="Account menu" data-testid="account-menu">
                <Group gap={8}>
                  <UserAvatar
                    url={`/api/v1/tenants/${user.tenantId}/users/${user.id}/avatar`}
                    initials={user.initials}
                  />
                  <Box visibleFrom="md">
                    <Text size="sm" fw={600} lh={1.2}>
                      {user.firstName} {user.lastName}
                    </Text>
                    <Text size="xs" c="dimmed" lh={1.2}>
                      {me.data.tenant.name}
                    </Text>
                  </Box>
                  <IconChevronDown size={14} />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{user.email ?? user.username}</Menu.Label>
              <Menu.Item
                leftSection={<IconUserCircle size={16} />}
                onClick={() => void navigate({ to: `/t/${user.tenantId}/me/profile` })}
              >
                My profile
              </Menu.Item>
              <Menu.Item
                leftSection={<IconShieldLock size={16} />}
                onClick={() => void navigate({ to: `/t/${user.tenantId}/me/security` })}
              >
                My security
              </Menu.Item>
              <Menu.Item
                leftSection={<IconLogout size={16} />}
                onClick={() =>
                  signOut.mutate(undefined, { onSettled: () => void navigate({ to: '/sign-in' }) })
                }
              >
                Sign out
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="md" style={{ background: 'var(--mantine-color-gray-0)' }}>
        {/* someone with only the User role has no tenant pages: no heading over nothing */}
        {shown.length > 0 ? (
          <>
            <Text size="xs" fw={700} c="dimmed" tt="uppercase" mb={6} px={8}>
              {current?.name ?? (tenantId === user.tenantId ? me.data.tenant.name : 'Tenant')}
            </Text>
            {shown.map((n) => (
              <NavLink
                key={n.to}
                component={Link}
                to={`/t/${tenantId}/${n.to}`}
                label={n.label}
                leftSection={<n.icon size={18} stroke={1.7} />}
                active={section === n.to}
                variant="light"
                style={{ borderRadius: 8 }}
              />
            ))}
          </>
        ) : null}
        <Text size="xs" fw={700} c="dimmed" tt="uppercase" mt={shown.length > 0 ? 'lg' : 0} mb={6} px={8}>
          You
        </Text>
        {[
          { to: 'me/profile', label: 'My profile', icon: IconUserCircle },
          { to: 'me/security', label: 'My security', icon: IconShieldLock },
        ].map((n) => (
          <NavLink
            key={n.to}
            component={Link}
            to={`/t/${user.tenantId}/${n.to}`}
            label={n.label}
            leftSection={<n.icon size={18} stroke={1.7} />}
            active={pathname.endsWith(`/${n.to}`)}
            variant="light"
            style={{ borderRadius: 8 }}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main
        style={{
          // the fixed navbar spans one screen; on a page taller than that (and in a full-page
          // capture) the sidebar's colour and border go on down the page behind it
          background: wide
            ? 'linear-gradient(to right, var(--mantine-color-gray-0) 0 239px, var(--mantine-color-gray-3) 239px 240px, #fbfbfd 240px)'
            : '#fbfbfd',
        }}
      >
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
