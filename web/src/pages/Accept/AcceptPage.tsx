import {
  Alert,
  Box,
  Button,
  Center,
  Paper,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, post } from '../../api/client.ts';
import { ErrorAlert } from '../../ui/index.tsx';
import { PasswordHintList, type PasswordPolicyView, passwordHints } from '../../ui/password-rules.tsx';

interface Inspection {
  tenantName: string;
  tenantSlug: string;
  email: string;
  passwordPolicy: PasswordPolicyView;
  suggested: { firstName: string; lastName: string };
}

/** The page an invitation link opens: who invited you where, your name, a password with live hints. */
export function AcceptPage() {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const navigate = useNavigate();
  const info = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => post<Inspection>('/api/v1/invitations/inspect', { token }),
    retry: false,
  });
  const accept = useMutation({
    mutationFn: (body: { firstName: string; lastName: string; password: string }) =>
      post<{ tenant: string; login: string }>('/api/v1/invitations/accept', { token, ...body }),
  });
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [password, setPassword] = useState('');
  useEffect(() => {
    if (info.data) {
      setFirstName(info.data.suggested.firstName);
      setLastName(info.data.suggested.lastName === '(invited)' ? '' : info.data.suggested.lastName);
    }
  }, [info.data]);
  // the same parts the server refuses: first name, last name, the email's local part
  const hints = passwordHints(info.data?.passwordPolicy, password, [
    firstName,
    lastName,
    info.data?.email.split('@')[0] ?? '',
  ]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate(
      { firstName, lastName, password },
      {
        onSuccess: (r) => {
          localStorage.setItem('rollcall.tenant', r.tenant);
          // the sign-in page says the account is ready, with the organization and login filled in
          void navigate({ to: '/sign-in', state: { accepted: { tenant: r.tenant, login: r.login } } });
        },
      },
    );
  };
  return (
    <Box style={{ minHeight: '100vh', background: 'linear-gradient(160deg, #eef2ff 0%, #f8f9fa 55%)' }}>
      <Center style={{ minHeight: '100vh' }}>
        <Stack w={460} gap="lg">
          {info.error ? (
            <Paper withBorder p="xl" radius="lg">
              <Stack>
                <Title order={3}>This invitation cannot be used</Title>
                <Text>{info.error instanceof ApiError ? info.error.message : 'The link is not valid.'}</Text>
                <Button variant="default" onClick={() => void navigate({ to: '/sign-in' })}>
                  Go to sign-in
                </Button>
              </Stack>
            </Paper>
          ) : info.data ? (
            <>
              <Stack gap={4} align="center">
                <Title order={2}>Join {info.data.tenantName}</Title>
                <Text c="dimmed" size="sm">
                  You were invited as {info.data.email}
                </Text>
              </Stack>
              <Paper withBorder shadow="sm" p="xl" radius="lg">
                <form onSubmit={submit}>
                  <Stack>
                    <SimpleGrid cols={2}>
                      <TextInput
                        label="First name"
                        name="firstName"
                        value={firstName}
                        onChange={(e) => setFirstName(e.currentTarget.value)}
                        required
                      />
                      <TextInput
                        label="Last name"
                        name="lastName"
                        value={lastName}
                        onChange={(e) => setLastName(e.currentTarget.value)}
                        required
                      />
                    </SimpleGrid>
                    <PasswordInput
                      label="Choose a password"
                      name="new-password"
                      value={password}
                      onChange={(e) => setPassword(e.currentTarget.value)}
                      required
                    />
                    <PasswordHintList hints={hints} />
                    <ErrorAlert error={accept.error} />
                    <Button
                      type="submit"
                      loading={accept.isPending}
                      disabled={hints.some((h) => !h.ok)}
                      fullWidth
                    >
                      Accept and create my account
                    </Button>
                  </Stack>
                </form>
              </Paper>
            </>
          ) : (
            <Alert>Checking your invitation…</Alert>
          )}
        </Stack>
      </Center>
    </Box>
  );
}
