import { List, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { BulkResult } from '../../api/types.ts';
import { notifyDone } from '../../ui/index.tsx';

/**
 * What the Users pages say before and after a status change: the confirmation names what will
 * happen, the toast what did ("Frank Miller suspended; 2 sessions ended"), and a bulk action's
 * refusals come with each user's own reason from the server.
 */
export type StatusAction = 'suspend' | 'archive';

const sessions = (n: number) => (n === 0 ? 'no session was open' : `${n} session${n === 1 ? '' : 's'} ended`);

export function statusChanged(action: StatusAction | 'reactivate', who: string, endedSessions: number) {
  if (action === 'reactivate') return `${who} reactivated`;
  return `${who} ${action === 'suspend' ? 'suspended' : 'archived'}; ${sessions(endedSessions)}`;
}

export function confirmationOf(action: StatusAction, names: string[]) {
  const one = names.length === 1;
  const who = one ? names[0]! : `${names.length} users`;
  return {
    title: `${action === 'suspend' ? 'Suspend' : 'Archive'} ${who}?`,
    confirmLabel:
      action === 'suspend' ? (one ? 'Suspend' : `Suspend ${who}`) : one ? 'Archive' : `Archive ${who}`,
    body: (
      <Stack gap="xs">
        {action === 'suspend' ? (
          <Text size="sm">
            {one ? `${who} cannot` : 'They cannot'} sign in until reactivated: open sessions and API tokens
            end now, and no email reaches them meanwhile. Data, groups and licences are kept.
          </Text>
        ) : (
          <Text size="sm">
            <b>This cannot be undone:</b> an archived user can never be reactivated.{' '}
            {one ? `${who} cannot` : 'They cannot'} sign in, their sessions end and their licences are freed;
            their data stays for the audit trail.
          </Text>
        )}
        {one ? null : (
          <List size="sm">
            {names.slice(0, 10).map((n) => (
              <List.Item key={n}>{n}</List.Item>
            ))}
            {names.length > 10 ? <List.Item>and {names.length - 10} more</List.Item> : null}
          </List>
        )}
      </Stack>
    ),
  };
}

const PAST: Record<string, string> = {
  suspend: 'suspended',
  reactivate: 'reactivated',
  archive: 'archived',
  revokeAccess: 'signed out everywhere',
};

/** One toast for a bulk action: what was done, and each refused user by name with the server's reason. */
export function notifyBulkResult(action: string, result: BulkResult, names: Map<string, string>) {
  const done = result.results.filter((r) => r.ok);
  const refused = result.results.filter((r) => !r.ok);
  const ended = done.reduce((n, r) => n + (r.endedSessions ?? 0), 0);
  const who = (id: string) => names.get(id) ?? 'A user';
  const summary =
    done.length === 0
      ? null
      : PAST[action]
        ? `${done.length === 1 ? who(done[0]!.id) : `${done.length} users`} ${PAST[action]}${
            action === 'suspend' || action === 'archive' ? `; ${sessions(ended)}` : ''
          }`
        : `Done for ${done.length} user${done.length === 1 ? '' : 's'}`;
  if (refused.length === 0) {
    if (summary) notifyDone(summary);
    return;
  }
  notifications.show({
    title: summary ? `${summary} · ${refused.length} not done` : 'Not done',
    color: 'red',
    autoClose: 12_000,
    message: (
      <Stack gap={2} data-testid="bulk-refusals">
        {refused.slice(0, 8).map((r) => (
          <Text size="sm" key={r.id}>
            <b>{who(r.id)}:</b> {r.detail ?? r.code}
          </Text>
        ))}
        {refused.length > 8 ? <Text size="sm">and {refused.length - 8} more</Text> : null}
      </Stack>
    ),
  });
}
