import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  Stack,
  Table,
  Text,
  Textarea,
} from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useGroups, useInvite, useMe, useRoles } from '../../api/hooks.ts';
import { ErrorAlert, notifyDone } from '../../ui/index.tsx';

/** "1 invitation sent", "2 invitations kept in the Outbox" */
const invitationsDone = (n: number, delivery: 'smtp' | 'outbox') =>
  `${n} invitation${n === 1 ? '' : 's'} ${delivery === 'outbox' ? 'kept in the Outbox' : 'sent'}`;

/** Invite people: several addresses at once, a group and role for them, within your own permissions. */
export function InviteDialog({
  tenantId,
  opened,
  onClose,
}: {
  tenantId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const invite = useInvite(tenantId);
  const groups = useGroups(tenantId);
  const roles = useRoles(tenantId);
  const me = useMe();
  const [emails, setEmails] = useState('');
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [roleIds, setRoleIds] = useState<string[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens
  useEffect(() => {
    if (opened) {
      setEmails('');
      setGroupIds([]);
      setRoleIds([]);
      invite.reset();
    }
  }, [opened]);
  const mine = new Set(me.data?.permissions ?? []);
  const roleOptions = (roles.data?.items ?? []).map((r) => {
    const beyond = r.permissions.some((p) => !mine.has(p));
    return { value: r.id, label: beyond ? `${r.name} (beyond your permissions)` : r.name, disabled: beyond };
  });
  const count = emails.split(/[\s,;]+/).filter(Boolean).length;
  const kept = invite.data?.delivery === 'outbox';
  const canReadOutbox = mine.has('settings.manage');
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Invite users</Text>} size="lg" centered>
      {invite.data ? (
        <Stack>
          <Alert color={invite.data.failed ? 'yellow' : 'teal'} variant="light">
            {invitationsDone(invite.data.sent, invite.data.delivery)}
            {invite.data.failed ? `, ${invite.data.failed} refused` : ''}.
            {kept && invite.data.sent ? (
              <>
                {' '}
                No SMTP server is configured, so the emails wait in the{' '}
                {canReadOutbox ? (
                  <Anchor component={Link} to={`/t/${tenantId}/outbox`} onClick={onClose}>
                    Outbox
                  </Anchor>
                ) : (
                  'Outbox'
                )}
                : pass their links on from there.
              </>
            ) : null}
          </Alert>
          <Table data-testid="invite-results">
            <Table.Tbody>
              {invite.data.results.map((r) => (
                <Table.Tr key={`${r.email}-${r.ok}-${r.code ?? ''}`}>
                  <Table.Td>{r.email}</Table.Td>
                  <Table.Td>
                    {r.ok ? (
                      <Badge color={kept ? 'blue' : 'teal'} variant="light" tt="none">
                        {kept ? 'Kept in the Outbox' : 'Sent'}
                      </Badge>
                    ) : (
                      <Text size="sm" c="red">
                        {r.detail}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <Textarea
            label="Email addresses"
            description="Separate several with spaces, commas or new lines"
            placeholder="marta@example.com, jonas@example.com"
            autosize
            minRows={3}
            value={emails}
            onChange={(e) => setEmails(e.currentTarget.value)}
            name="invite-emails"
            data-autofocus
          />
          <MultiSelect
            label="Groups"
            placeholder={groupIds.length ? undefined : 'Default'}
            data={(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }))}
            value={groupIds}
            onChange={setGroupIds}
          />
          <MultiSelect
            label="Roles"
            placeholder={roleIds.length ? undefined : 'User'}
            data={roleOptions}
            value={roleIds}
            onChange={setRoleIds}
          />
          <ErrorAlert error={invite.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button
              disabled={count === 0}
              loading={invite.isPending}
              onClick={() =>
                invite.mutate([{ emails, groupIds, roleIds }], {
                  onSuccess: (r) => r.sent && notifyDone(invitationsDone(r.sent, r.delivery)),
                })
              }
            >
              Send {count > 1 ? `${count} invitations` : 'invitation'}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
