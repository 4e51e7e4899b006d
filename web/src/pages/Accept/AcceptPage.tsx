import {
  Alert,
  Box,
  Button,
  Center,
  List,
  Paper,
  PasswordInput,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconCheck, IconX } from '@tabler/icons-react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, post } from '../../api/client.ts';
import { ErrorAlert } from '../../ui/index.tsx';

interface Inspection {
  tenantName: string;
  tenantSlug: string;
  email: string;
  passwordPolicy: {
    minLength: number;
    requireLower: boolean;
    requireUpper: boolean;
    requireDigit: boolean;
    requireSymbol: boolean;
    forbidPersonalInfo?: boolean;
  };
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
  const p = info.data?.passwordPolicy;
  // the same parts the server refuses: first name, last name, the email's local part (3+ letters)
  const containsPersonalInfo = (pw: string) =>
    [firstName, lastName, info.data?.email.split('@')[0]]
      .filter((x): x is string => !!x && x.trim().length >= 3)
      .some((x) => pw.toLowerCase().includes(x.trim().toLowerCase()));
  const hints = p
    ? [
        { ok: [...password].length >= p.minLength, text: `At least ${p.minLength} characters` },
        ...(p.requireLower ? [{ ok: /\p{Ll}/u.test(password), text: 'A lower-case letter' }] : []),
        ...(p.requireUpper ? [{ ok: /\p{Lu}/u.test(password), text: 'An upper-case letter' }] : []),
        ...(p.requireDigit ? [{ ok: /\p{Nd}/u.test(password), text: 'A digit' }] : []),
        ...(p.requireSymbol ? [{ ok: /[^\p{L}\p{Nd}\s]/u.test(password), text: 'A special character' }] : []),
        ...(p.forbidPersonalInfo
          ? [{ ok: password.length > 0 && !containsPersonalInfo(password), text: 'Not your name or email' }]
          : []),
      ]
    : [];
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
                    <List spacing={2} size="sm" center>
                      {hints.map((h) => (
                        <List.Item
                          key={h.text}
                          icon={
                            h.ok ? <IconCheck size={14} color="teal" /> : <IconX size={14} color="gray" />
                          }
                        >
                          <Text size="sm" c={h.ok ? 'teal' : 'dimmed'}>
                            {h.text}
                          </Text>
                        </List.Item>
                      ))}
                    </List>
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
