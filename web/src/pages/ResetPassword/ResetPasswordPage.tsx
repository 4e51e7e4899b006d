import {
  Alert,
  Anchor,
  Box,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconCircleCheck, IconMailForward } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { ApiError, post } from '../../api/client.ts';
import { ErrorAlert } from '../../ui/index.tsx';
import { PasswordHintList, type PasswordPolicyView, passwordHints } from '../../ui/password-rules.tsx';

interface ResetInspection {
  tenantName: string;
  tenantSlug: string;
  login: string;
  firstName: string;
  expiresAt: string;
  passwordPolicy: PasswordPolicyView;
}

function Frame({ children }: { children: React.ReactNode }) {
  return (
    <Box style={{ minHeight: '100vh', background: 'linear-gradient(160deg, #eef2ff 0%, #f8f9fa 55%)' }}>
      <Center style={{ minHeight: '100vh' }}>
        <Stack w={440} gap="lg">
          {children}
        </Stack>
      </Center>
    </Box>
  );
}

/**
 * "Forgot your password?": without a token, ask for a link (the answer never says whether the
 * account exists); with the token a reset or welcome email carries, choose the new password under
 * the tenant's rules, checked as you type.
 */
export function ResetPasswordPage() {
  const params = new URLSearchParams(window.location.search);
  const token = params.get('token');
  return token ? <ChooseNewPassword token={token} /> : <AskForLink initialTenant={params.get('tenant')} />;
}

function AskForLink({ initialTenant }: { initialTenant: string | null }) {
  const [tenant, setTenant] = useState(() => initialTenant ?? localStorage.getItem('rollcall.tenant') ?? '');
  const [login, setLogin] = useState('');
  const ask = useMutation({
    mutationFn: () =>
      post<null>('/api/v1/auth/password-reset', { tenant: tenant.trim(), login: login.trim() }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    ask.mutate();
  };
  return (
    <Frame>
      <Stack gap={4} align="center">
        <Title order={2}>Reset your password</Title>
        <Text c="dimmed" size="sm" ta="center">
          We email a link to choose a new one to the address of your account.
        </Text>
      </Stack>
      <Paper withBorder shadow="sm" p="xl" radius="lg">
        {ask.isSuccess ? (
          <Stack align="center" ta="center" data-testid="reset-requested">
            <IconMailForward size={40} color="var(--mantine-color-indigo-6)" />
            <Text fw={600}>Check your email</Text>
            <Text size="sm">
              If <b>{login.trim()}</b> has an account at <b>{tenant.trim()}</b>, a link is on its way to its
              email address. It works once, for an hour. Nothing arrived? Check the spam folder, or ask your
              administrator.
            </Text>
            <Anchor component={Link} to="/sign-in" size="sm">
              Back to sign-in
            </Anchor>
          </Stack>
        ) : (
          <form onSubmit={submit}>
            <Stack>
              <TextInput
                label="Organization"
                description="The short name you sign in with, e.g. contoso"
                name="tenant"
                value={tenant}
                onChange={(e) => setTenant(e.currentTarget.value)}
                required
              />
              <TextInput
                label="Email or username"
                name="login"
                value={login}
                onChange={(e) => setLogin(e.currentTarget.value)}
                required
                data-autofocus
              />
              <ErrorAlert error={ask.error} />
              <Button type="submit" loading={ask.isPending} fullWidth>
                Email me a link
              </Button>
              <Anchor component={Link} to="/sign-in" size="sm" ta="center">
                Back to sign-in
              </Anchor>
            </Stack>
          </form>
        )}
      </Paper>
    </Frame>
  );
}

function ChooseNewPassword({ token }: { token: string }) {
  const navigate = useNavigate();
  const info = useQuery({
    queryKey: ['password-reset', token],
    queryFn: () => post<ResetInspection>('/api/v1/auth/password-reset/inspect', { token }),
    retry: false,
  });
  const complete = useMutation({
    mutationFn: (newPassword: string) =>
      post<null>('/api/v1/auth/password-reset/complete', { token, newPassword }),
  });
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const d = info.data;
  const hints = passwordHints(d?.passwordPolicy, password, [
    d?.firstName ?? '',
    d?.login.split('@')[0] ?? '',
  ]);
  const mismatch = again.length > 0 && again !== password;
  if (info.error)
    return (
      <Frame>
        <Paper withBorder p="xl" radius="lg">
          <Stack>
            <Title order={3}>This link cannot be used</Title>
            <Text>{info.error instanceof ApiError ? info.error.message : 'The link is not valid.'}</Text>
            <Button onClick={() => void navigate({ to: '/reset-password', search: {} as never })}>
              Ask for a new link
            </Button>
            <Button variant="default" onClick={() => void navigate({ to: '/sign-in' })}>
              Go to sign-in
            </Button>
          </Stack>
        </Paper>
      </Frame>
    );
  if (!d)
    return (
      <Frame>
        <Alert>Checking your link…</Alert>
      </Frame>
    );
  if (complete.isSuccess)
    return (
      <Frame>
        <Paper withBorder p="xl" radius="lg">
          <Stack align="center" ta="center" data-testid="reset-done">
            <IconCircleCheck size={44} color="var(--mantine-color-teal-6)" />
            <Title order={3}>Your password is set</Title>
            <Text size="sm">
              Sign in to <b>{d.tenantName}</b> as <b>{d.login}</b> with it. Any other session of yours was
              signed out.
            </Text>
            <Button
              onClick={() => {
                localStorage.setItem('rollcall.tenant', d.tenantSlug);
                void navigate({
                  to: '/sign-in',
                  state: { passwordSet: { tenant: d.tenantSlug, login: d.login } },
                });
              }}
            >
              Sign in
            </Button>
          </Stack>
        </Paper>
      </Frame>
    );
  return (
    <Frame>
      <Stack gap={4} align="center">
        <Title order={2}>Choose a new password</Title>
        <Text c="dimmed" size="sm">
          {d.login} at {d.tenantName}
        </Text>
      </Stack>
      <Paper withBorder shadow="sm" p="xl" radius="lg">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            complete.mutate(password);
          }}
        >
          <Stack>
            <PasswordInput
              label="New password"
              name="new-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              required
              data-autofocus
            />
            <PasswordHintList hints={hints} />
            <PasswordInput
              label="The same again"
              name="new-password-again"
              value={again}
              onChange={(e) => setAgain(e.currentTarget.value)}
              error={mismatch ? 'The two passwords differ' : undefined}
              required
            />
            <ErrorAlert error={complete.error} />
            <Button
              type="submit"
              loading={complete.isPending}
              disabled={hints.some((h) => !h.ok) || again !== password}
              fullWidth
            >
              Set my password
            </Button>
          </Stack>
        </form>
      </Paper>
    </Frame>
  );
}
