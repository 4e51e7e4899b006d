import { Alert, Badge, Button, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import {
  useAdminMfaReset,
  useAdminPasswordReset,
  useEndUserSessions,
  useUnlockUser,
  useUserSessions,
} from '../../api/hooks.ts';
import type { UserDetail } from '../../api/types.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { ErrorAlert, formatDateTime, notifyDone, notifyError } from '../../ui/index.tsx';

/** An administrator's view of a user's sign-in security: sessions, password, second factors, lockout. */
export function SecurityTab({
  tenantId,
  user,
  can,
}: {
  tenantId: string;
  user: UserDetail;
  can: (p: string) => boolean;
}) {
  const sessions = useUserSessions(tenantId, user.id);
  const end = useEndUserSessions(tenantId, user.id);
  const reset = useAdminPasswordReset(tenantId, user.id);
  const mfaReset = useAdminMfaReset(tenantId, user.id);
  const unlock = useUnlockUser(tenantId, user.id);
  const items = sessions.data?.items ?? [];
  const name = `${user.firstName} ${user.lastName}`;
  // every change here that locks someone out or ends their sessions is asked first
  const [asking, setAsking] = useState<null | {
    title: string;
    text: string;
    label: string;
    run: () => void;
  }>(null);
  const confirmThen = (title: string, text: string, label: string, run: () => void) =>
    setAsking({ title, text, label, run });
  return (
    <Stack>
      <ConfirmDialog
        opened={asking !== null}
        title={asking?.title ?? ''}
        confirmLabel={asking?.label ?? ''}
        color="orange"
        onClose={() => setAsking(null)}
        onConfirm={() => {
          asking?.run();
          setAsking(null);
        }}
      >
        <Text size="sm">{asking?.text}</Text>
      </ConfirmDialog>
      <Paper withBorder radius="lg" p="lg">
        <Stack>
          <Group justify="space-between">
            <Title order={4}>Sessions</Title>
            {can('users.sessions') ? (
              <Button
                size="xs"
                color="red"
                variant="light"
                disabled={items.length === 0}
                onClick={() =>
                  end.mutate(undefined, {
                    onSuccess: (r) => notifyDone(`${r.ended} session${r.ended === 1 ? '' : 's'} ended`),
                    onError: notifyError,
                  })
                }
              >
                End all sessions
              </Button>
            ) : null}
          </Group>
          {items.length === 0 ? (
            <Text size="sm" c="dimmed">
              Not signed in anywhere.
            </Text>
          ) : (
            <Table verticalSpacing="xs" data-testid="user-sessions">
              <Table.Tbody>
                {items.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {s.browser ?? 'Unknown browser'} on {s.os ?? 'unknown system'}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {s.ip} · since {formatDateTime(s.createdAt)} · last seen{' '}
                        {formatDateTime(s.lastSeenAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => end.mutate(s.id, { onSuccess: () => notifyDone('Session ended') })}
                      >
                        End
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      </Paper>
      {can('users.passwords') ? (
        <Paper withBorder radius="lg" p="lg">
          <Stack>
            <Title order={4}>Password and second factors</Title>
            <Group>
              <Button
                variant="default"
                onClick={() =>
                  confirmThen(
                    'Email a reset link?',
                    `${name} gets a link to choose a new password. Their current password works until they do.`,
                    'Email reset link',
                    () => reset.mutate('send_link', { onSuccess: () => notifyDone('Reset link sent') }),
                  )
                }
                disabled={!user.email}
              >
                Email reset link
              </Button>
              <Button
                variant="default"
                onClick={() =>
                  confirmThen(
                    'Force a password change?',
                    `${name} must choose a new password at the next sign-in. Their sessions end now.`,
                    'Force change',
                    () =>
                      reset.mutate('force_change', {
                        onSuccess: () => notifyDone('They will change it at the next sign-in'),
                      }),
                  )
                }
              >
                Force change at next sign-in
              </Button>
              <Button
                variant="default"
                onClick={() =>
                  confirmThen(
                    'Set a temporary password?',
                    `${name}’s password is replaced by a temporary one shown to you once; their sessions end now.`,
                    'Set temporary password',
                    () => reset.mutate('temporary'),
                  )
                }
              >
                Set temporary password
              </Button>
              <Button
                variant="default"
                color="orange"
                onClick={() =>
                  confirmThen(
                    'Reset two-step verification?',
                    `All of ${name}’s second factors and recovery codes are removed; they sign in with their password alone until they add one.`,
                    'Reset two-step verification',
                    () =>
                      mfaReset.mutate(undefined, { onSuccess: () => notifyDone('Second factors removed') }),
                  )
                }
              >
                Reset two-step verification
              </Button>
              <Button
                variant="default"
                onClick={() =>
                  unlock.mutate(undefined, { onSuccess: () => notifyDone('Unlocked'), onError: notifyError })
                }
              >
                Unlock sign-in
              </Button>
            </Group>
            {reset.data?.temporaryPassword ? (
              <Alert color="yellow" title="Temporary password (shown only now)">
                <Code fz="md">{reset.data.temporaryPassword}</Code>
                <Text size="sm" mt={6}>
                  Give it to the user through a channel you trust. They must change it at the first sign-in.
                </Text>
              </Alert>
            ) : null}
            <ErrorAlert error={reset.error ?? mfaReset.error ?? unlock.error} />
          </Stack>
        </Paper>
      ) : null}
      {user.status !== 'active' ? (
        <Badge color="gray" variant="light">
          This user is {user.status}: they cannot sign in.
        </Badge>
      ) : null}
    </Stack>
  );
}
