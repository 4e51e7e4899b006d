import {
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { type SecurityPolicy, useRoles, useSaveSecurityPolicy, useSecurityPolicy } from '../../api/hooks.ts';
import { ErrorAlert, notifyDone, PageHeader } from '../../ui/index.tsx';

/** The tenant's sign-in security: password, lockout, sessions, two-step verification, IP allow-list. */
export function SecuritySettingsPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const policy = useSecurityPolicy(tenantId);
  const roles = useRoles(tenantId);
  const save = useSaveSecurityPolicy(tenantId);
  const [draft, setDraft] = useState<SecurityPolicy | null>(null);
  const [ipText, setIpText] = useState('');
  const [forceChange, setForceChange] = useState(false);
  useEffect(() => {
    if (policy.data) {
      setDraft(policy.data);
      setIpText(policy.data.ipAllowList.join('\n'));
    }
  }, [policy.data]);
  if (!draft) return <ErrorAlert error={policy.error} />;
  const set = <K extends keyof SecurityPolicy>(key: K, value: Partial<SecurityPolicy[K]>) =>
    setDraft({ ...draft, [key]: { ...(draft[key] as object), ...value } } as SecurityPolicy);
  const num = (v: string | number) => (typeof v === 'number' ? v : Number.parseInt(v, 10) || 0);
  const submit = () =>
    save.mutate(
      {
        password: draft.password,
        lockout: draft.lockout,
        session: draft.session,
        mfa: draft.mfa,
        ipAllowList: ipText.split(/[\s,]+/).filter(Boolean),
        ...(forceChange ? { forcePasswordChange: true } : {}),
      },
      { onSuccess: () => notifyDone('Security settings saved') },
    );
  return (
    <>
      <PageHeader
        title="Security settings"
        description="How people of this tenant sign in. Password rules apply at each user’s next password change."
        actions={
          <Button onClick={submit} loading={save.isPending}>
            Save settings
          </Button>
        }
      />
      <ErrorAlert error={save.error} />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg" mt="md">
        <Paper withBorder radius="lg" p="lg">
          <Stack>
            <Title order={4}>Passwords</Title>
            <SimpleGrid cols={3}>
              <NumberInput
                label="Minimum length"
                min={8}
                max={128}
                value={draft.password.minLength}
                onChange={(v) => set('password', { minLength: num(v) })}
              />
              <NumberInput
                label="Expire after (days)"
                description="0 = never"
                min={0}
                max={3650}
                value={draft.password.maxAgeDays}
                onChange={(v) => set('password', { maxAgeDays: num(v) })}
              />
              <NumberInput
                label="Remember last"
                description="passwords, no reuse"
                min={0}
                max={24}
                value={draft.password.historyCount}
                onChange={(v) => set('password', { historyCount: num(v) })}
              />
            </SimpleGrid>
            <SimpleGrid cols={2}>
              <Checkbox
                label="Lower-case letter"
                checked={draft.password.requireLower}
                onChange={(e) => set('password', { requireLower: e.currentTarget.checked })}
              />
              <Checkbox
                label="Upper-case letter"
                checked={draft.password.requireUpper}
                onChange={(e) => set('password', { requireUpper: e.currentTarget.checked })}
              />
              <Checkbox
                label="Digit"
                checked={draft.password.requireDigit}
                onChange={(e) => set('password', { requireDigit: e.currentTarget.checked })}
              />
              <Checkbox
                label="Special character"
                checked={draft.password.requireSymbol}
                onChange={(e) => set('password', { requireSymbol: e.currentTarget.checked })}
              />
              <Checkbox
                label="Refuse common passwords"
                checked={draft.password.forbidCommon}
                onChange={(e) => set('password', { forbidCommon: e.currentTarget.checked })}
              />
              <Checkbox
                label="Refuse name or email in it"
                checked={draft.password.forbidPersonalInfo}
                onChange={(e) => set('password', { forbidPersonalInfo: e.currentTarget.checked })}
              />
            </SimpleGrid>
            <Switch
              label="Everyone changes their password at the next sign-in"
              checked={forceChange}
              onChange={(e) => setForceChange(e.currentTarget.checked)}
            />
          </Stack>
        </Paper>
        <Paper withBorder radius="lg" p="lg">
          <Stack>
            <Title order={4}>Two-step verification</Title>
            <Switch
              label="Required for everyone"
              checked={draft.mfa.required}
              onChange={(e) => set('mfa', { required: e.currentTarget.checked })}
            />
            <MultiSelect
              label="Required for these roles"
              data={(roles.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))}
              value={draft.mfa.requiredRoleIds}
              onChange={(v) => set('mfa', { requiredRoleIds: v })}
              disabled={draft.mfa.required}
            />
            <Text size="xs" c="dimmed">
              Users it applies to set up an authenticator app right after their next password sign-in.
            </Text>
          </Stack>
        </Paper>
        <Paper withBorder radius="lg" p="lg">
          <Stack>
            <Title order={4}>Lockout</Title>
            <SimpleGrid cols={3}>
              <NumberInput
                label="Lock after"
                description="failed sign-ins (0 = never)"
                min={0}
                max={100}
                value={draft.lockout.maxFailures}
                onChange={(v) => set('lockout', { maxFailures: num(v) })}
              />
              <NumberInput
                label="Within (minutes)"
                min={1}
                max={1440}
                value={draft.lockout.windowMinutes}
                onChange={(v) => set('lockout', { windowMinutes: num(v) })}
              />
              <NumberInput
                label="Lock for (minutes)"
                min={1}
                max={10080}
                value={draft.lockout.lockMinutes}
                onChange={(v) => set('lockout', { lockMinutes: num(v) })}
              />
            </SimpleGrid>
          </Stack>
        </Paper>
        <Paper withBorder radius="lg" p="lg">
          <Stack>
            <Title order={4}>Sessions</Title>
            <SimpleGrid cols={3}>
              <NumberInput
                label="Idle timeout (minutes)"
                min={5}
                max={1440}
                value={draft.session.idleMinutes}
                onChange={(v) => set('session', { idleMinutes: num(v) })}
              />
              <NumberInput
                label="Lifetime (hours)"
                min={1}
                max={720}
                value={draft.session.absoluteHours}
                onChange={(v) => set('session', { absoluteHours: num(v) })}
              />
              <NumberInput
                label="At most"
                description="sessions per user (0 = no limit)"
                min={0}
                max={100}
                value={draft.session.maxConcurrent}
                onChange={(v) => set('session', { maxConcurrent: num(v) })}
              />
            </SimpleGrid>
            <Group gap="sm">
              <Text size="sm">When the limit is reached:</Text>
              <SegmentedControl
                data={[
                  { value: 'end_oldest', label: 'End the oldest' },
                  { value: 'refuse', label: 'Refuse the new sign-in' },
                ]}
                value={draft.session.onLimit}
                onChange={(v) => set('session', { onLimit: v as 'refuse' | 'end_oldest' })}
              />
            </Group>
          </Stack>
        </Paper>
        <Paper withBorder radius="lg" p="lg">
          <Stack>
            <Title order={4}>IP allow-list</Title>
            <Textarea
              label="Networks people may sign in from"
              description="One CIDR range per line (IPv4 or IPv6), e.g. 203.0.113.0/24. Empty = anywhere."
              autosize
              minRows={3}
              value={ipText}
              onChange={(e) => setIpText(e.currentTarget.value)}
              name="ip-allow-list"
            />
          </Stack>
        </Paper>
      </SimpleGrid>
    </>
  );
}
