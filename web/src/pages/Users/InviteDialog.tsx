import { Alert, Badge, Button, Group, Modal, MultiSelect, Stack, Table, Text, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useGroups, useInvite, useMe, useRoles } from '../../api/hooks.ts';
import { ErrorAlert, notifyDone } from '../../ui/index.tsx';

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
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Invite users</Text>} size="lg" centered>
      {invite.data ? (
        <Stack>
          <Alert color={invite.data.failed ? 'yellow' : 'teal'} variant="light">
            {invite.data.sent} invitation{invite.data.sent === 1 ? '' : 's'} sent
            {invite.data.failed ? `, ${invite.data.failed} not sent` : ''}.
          </Alert>
          <Table data-testid="invite-results">
            <Table.Tbody>
              {invite.data.results.map((r) => (
                <Table.Tr key={`${r.email}-${r.ok}-${r.code ?? ''}`}>
                  <Table.Td>{r.email}</Table.Td>
                  <Table.Td>
                    {r.ok ? (
                      <Badge color="teal">sent</Badge>
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
                  onSuccess: (r) => r.sent && notifyDone(`${r.sent} invitation(s) sent`),
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
