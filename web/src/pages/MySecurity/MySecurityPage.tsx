import {
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Paper,
  PasswordInput,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconDeviceDesktop, IconDeviceMobile } from '@tabler/icons-react';
import { type FormEvent, useState } from 'react';
import {
  useAddPasskey,
  useChangePassword,
  useEndMySession,
  useEndOtherSessions,
  useMyMfa,
  useMySessions,
  useRegenerateRecoveryCodes,
  useRemoveFactor,
} from '../../api/hooks.ts';
import { ErrorAlert, formatDateTime, notifyDone, notifyError, PageHeader } from '../../ui/index.tsx';
import { TotpEnrolment } from '../SignIn/RestrictedScreens.tsx';

function PasswordCard() {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate(
      { currentPassword: current, newPassword: next },
      {
        onSuccess: () => {
          notifyDone('Password changed; your other sessions were signed out');
          setCurrent('');
          setNext('');
        },
      },
    );
  };
  return (
    <Paper withBorder radius="lg" p="lg">
      <form onSubmit={submit}>
        <Stack>
          <Title order={4}>Password</Title>
          <PasswordInput
            label="Current password"
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            required
          />
          <PasswordInput
            label="New password"
            description="Signing in elsewhere ends when you change it"
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
            required
          />
          <ErrorAlert error={change.error} />
          <Group justify="flex-end">
            <Button type="submit" loading={change.isPending}>
              Change password
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function MfaCard() {
  const mfa = useMyMfa();
  const remove = useRemoveFactor();
  const regenerate = useRegenerateRecoveryCodes();
  const addPasskey = useAddPasskey();
  const [passkeyName, setPasskeyName] = useState('');
  const [adding, setAdding] = useState(false);
  const factors = mfa.data?.factors ?? [];
  return (
    <Paper withBorder radius="lg" p="lg">
      <Stack>
        <Group justify="space-between">
          <Title order={4}>Two-step verification</Title>
          {mfa.data?.enforced ? <Badge color="indigo">Required by your organization</Badge> : null}
        </Group>
        {factors.length === 0 ? (
          <Text size="sm" c="dimmed">
            Not set up. Add an authenticator app so a stolen password is not enough to sign in.
          </Text>
        ) : (
          <Table data-testid="mfa-factors">
            <Table.Tbody>
              {factors.map((f) => {
                const kind = f.kind === 'totp' ? 'Authenticator app' : 'Passkey';
                // a factor keeps its kind's name unless its owner named it: say the kind once
                const added = `added ${formatDateTime(f.createdAt)}`;
                return (
                  <Table.Tr key={f.id}>
                    <Table.Td>
                      <Text fw={600} size="sm">
                        {f.name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {f.name === kind
                          ? added.charAt(0).toUpperCase() + added.slice(1)
                          : `${kind} · ${added}`}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() =>
                          remove.mutate(f.id, {
                            onError: notifyError,
                            onSuccess: () => notifyDone('Removed'),
                          })
                        }
                      >
                        Remove
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
        <Group>
          <Button variant="light" onClick={() => setAdding(true)}>
            Add authenticator app
          </Button>
          <TextInput
            placeholder="Passkey name, e.g. Work laptop"
            value={passkeyName}
            onChange={(e) => setPasskeyName(e.currentTarget.value)}
            aria-label="Passkey name"
            w={220}
          />
          <Button
            variant="light"
            loading={addPasskey.isPending}
            onClick={() =>
              addPasskey.mutate(passkeyName.trim() || 'Passkey', {
                onSuccess: () => {
                  notifyDone('Passkey added');
                  setPasskeyName('');
                },
                onError: notifyError,
              })
            }
          >
            Add passkey
          </Button>
          {factors.length > 0 ? (
            <Button variant="subtle" onClick={() => regenerate.mutate(undefined, { onError: notifyError })}>
              New recovery codes ({mfa.data?.recoveryCodesRemaining ?? 0} left)
            </Button>
          ) : null}
        </Group>
        {addPasskey.data?.recoveryCodes ? (
          <Stack gap={6}>
            <Text size="sm">Your recovery codes, shown only now:</Text>
            <SimpleGrid cols={5}>
              {addPasskey.data.recoveryCodes.map((c) => (
                <Code key={c}>{c}</Code>
              ))}
            </SimpleGrid>
          </Stack>
        ) : null}
        {regenerate.data ? (
          <Stack gap={6}>
            <Text size="sm">Your new recovery codes (the old ones no longer work). Shown only now:</Text>
            <SimpleGrid cols={5}>
              {regenerate.data.recoveryCodes.map((c) => (
                <Code key={c}>{c}</Code>
              ))}
            </SimpleGrid>
          </Stack>
        ) : null}
      </Stack>
      <Modal
        opened={adding}
        onClose={() => setAdding(false)}
        title={<Text fw={600}>Add authenticator app</Text>}
        centered
      >
        {adding ? <TotpEnrolment onDone={() => setAdding(false)} /> : null}
      </Modal>
    </Paper>
  );
}

function SessionsCard() {
  const sessions = useMySessions();
  const end = useEndMySession();
  const endOthers = useEndOtherSessions();
  const items = sessions.data?.items ?? [];
  return (
    <Paper withBorder radius="lg" p="lg">
      <Stack>
        <Group justify="space-between">
          <Title order={4}>Where you’re signed in</Title>
          <Button
            variant="light"
            color="red"
            size="xs"
            disabled={items.length < 2}
            loading={endOthers.isPending}
            onClick={() =>
              endOthers.mutate(undefined, {
                onSuccess: (r) =>
                  notifyDone(`Signed out of ${r.ended} other session${r.ended === 1 ? '' : 's'}`),
              })
            }
          >
            Sign out everywhere else
          </Button>
        </Group>
        <Table verticalSpacing="sm" data-testid="my-sessions">
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td w={36}>
                  {s.deviceType === 'mobile' ? (
                    <IconDeviceMobile size={20} />
                  ) : (
                    <IconDeviceDesktop size={20} />
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={6}>
                    <Text size="sm" fw={600}>
                      {s.browser ?? 'Unknown browser'} on {s.os ?? 'unknown system'}
                    </Text>
                    {s.current ? (
                      <Badge size="xs" color="teal">
                        This device
                      </Badge>
                    ) : null}
                  </Group>
                  <Text size="xs" c="dimmed">
                    {s.ip ?? 'unknown address'} · signed in {formatDateTime(s.createdAt)} · last seen{' '}
                    {formatDateTime(s.lastSeenAt)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  {s.current ? null : (
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() => end.mutate(s.id, { onSuccess: () => notifyDone('Session ended') })}
                    >
                      Sign out
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>
    </Paper>
  );
}

export function MySecurityPage() {
  return (
    <>
      <PageHeader
        title="My security"
        description="Your password, two-step verification and the devices you are signed in on."
      />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Stack>
          <PasswordCard />
          <MfaCard />
        </Stack>
        <SessionsCard />
      </SimpleGrid>
    </>
  );
}
