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
import { IconCircleCheck } from '@tabler/icons-react';
import { Link, useNavigate, useRouterState } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { usePasskeySignIn, useSignIn } from '../../api/hooks.ts';
import { ErrorAlert } from '../../ui/index.tsx';
import { MfaStep } from './MfaStep.tsx';

declare module '@tanstack/history' {
  interface HistoryState {
    /** Set by the invitation page once the account exists: who signs in where. */
    accepted?: { tenant: string; login: string };
    /** Set by the reset page once a new password is chosen. */
    passwordSet?: { tenant: string; login: string };
  }
}

export function SignInPage() {
  const navigate = useNavigate();
  const signIn = useSignIn();
  const passkey = usePasskeySignIn();
  const invited = useRouterState({ select: (s) => s.location.state.accepted });
  const passwordSet = useRouterState({ select: (s) => s.location.state.passwordSet });
  const accepted = invited ?? passwordSet;
  const [tenant, setTenant] = useState(
    () => accepted?.tenant ?? localStorage.getItem('rollcall.tenant') ?? '',
  );
  const [login, setLogin] = useState(() => accepted?.login ?? '');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<null | {
    mfaToken: string;
    methods: string[];
    firstName: string;
  }>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate(
      { tenant: tenant.trim(), login: login.trim(), password },
      {
        onSuccess: (answer) => {
          localStorage.setItem('rollcall.tenant', tenant.trim());
          if (answer.mfaRequired) {
            setChallenge({
              mfaToken: answer.mfaToken,
              methods: answer.methods,
              firstName: answer.user.firstName,
            });
            return;
          }
          void navigate({ to: '/' });
        },
      },
    );
  };

  return (
    <Box style={{ minHeight: '100vh', background: 'linear-gradient(160deg, #eef2ff 0%, #f8f9fa 55%)' }}>
      <Center style={{ minHeight: '100vh' }}>
        <Stack w={400} gap="lg">
          <Stack gap={4} align="center">
            <Box
              w={44}
              h={44}
              style={{
                borderRadius: 12,
                background: 'linear-gradient(135deg, #4263eb, #7048e8)',
                display: 'grid',
                placeItems: 'center',
              }}
            >
              <Text c="white" fw={800} size="xl">
                R
              </Text>
            </Box>
            <Title order={2} mt="sm">
              Sign in to Rollcall
            </Title>
            <Text c="dimmed" size="sm">
              Users, access and lifecycle for every tenant you manage
            </Text>
          </Stack>
          <Paper withBorder shadow="sm" p="xl" radius="lg">
            {challenge ? (
              <MfaStep
                mfaToken={challenge.mfaToken}
                methods={challenge.methods}
                firstName={challenge.firstName}
                onDone={() => void navigate({ to: '/' })}
                onCancel={() => {
                  setChallenge(null);
                  setPassword('');
                }}
              />
            ) : (
              <form onSubmit={submit}>
                <Stack>
                  {accepted ? (
                    <Alert
                      color="teal"
                      variant="light"
                      icon={<IconCircleCheck size={18} />}
                      data-testid="account-ready"
                    >
                      {invited
                        ? 'Your account is ready. Sign in with the password you just chose: the invitation link alone never signs anyone in.'
                        : 'Your new password is set. Sign in with it: the reset link alone never signs anyone in.'}
                    </Alert>
                  ) : null}
                  <TextInput
                    label="Organization"
                    description="Your organization’s short name, e.g. msp"
                    name="tenant"
                    value={tenant}
                    onChange={(e) => setTenant(e.currentTarget.value)}
                    required
                    autoFocus={!tenant}
                  />
                  <TextInput
                    label="Email or username"
                    name="login"
                    autoComplete="username"
                    value={login}
                    onChange={(e) => setLogin(e.currentTarget.value)}
                    required
                    autoFocus={!!tenant && !accepted}
                  />
                  <PasswordInput
                    label="Password"
                    name="password"
                    autoComplete="current-password"
                    value={password}
                    onChange={(e) => setPassword(e.currentTarget.value)}
                    required
                    autoFocus={!!accepted}
                  />
                  <ErrorAlert error={signIn.error ?? passkey.error} />
                  <Button type="submit" loading={signIn.isPending} fullWidth size="md">
                    Sign in
                  </Button>
                  <Anchor
                    component={Link}
                    to="/reset-password"
                    search={(tenant.trim() ? { tenant: tenant.trim() } : {}) as never}
                    size="sm"
                    ta="center"
                  >
                    Forgot your password?
                  </Anchor>
                  <Button
                    variant="default"
                    fullWidth
                    loading={passkey.isPending}
                    disabled={!tenant.trim()}
                    onClick={() =>
                      passkey.mutate(
                        { tenant: tenant.trim() },
                        {
                          onSuccess: () => {
                            localStorage.setItem('rollcall.tenant', tenant.trim());
                            void navigate({ to: '/' });
                          },
                        },
                      )
                    }
                  >
                    Sign in with a passkey
                  </Button>
                </Stack>
              </form>
            )}
          </Paper>
        </Stack>
      </Center>
    </Box>
  );
}
