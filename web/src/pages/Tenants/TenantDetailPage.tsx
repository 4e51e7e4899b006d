import {
  Anchor,
  Badge,
  Button,
  Group,
  NumberInput,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useLicenses, useMe, useSetLicenses, useTenant, useUpdateTenant } from '../../api/hooks.ts';
import { ErrorAlert, formatDateTime, notifyDone, PageHeader } from '../../ui/index.tsx';
import { LocaleSelect, TimeZoneSelect } from '../../ui/zones.tsx';

export function TenantDetailPage() {
  const { tenantId, customerId } = useParams({ strict: false }) as { tenantId: string; customerId: string };
  const tenant = useTenant(customerId);
  const me = useMe();
  const update = useUpdateTenant(customerId);
  const [name, setName] = useState('');
  const [timeZone, setTimeZone] = useState<string | null>(null);
  const [locale, setLocale] = useState<string | null>(null);
  useEffect(() => {
    if (tenant.data) {
      setName(tenant.data.name);
      setTimeZone(tenant.data.settings.timeZone ?? null);
      setLocale(tenant.data.settings.locale ?? null);
    }
  }, [tenant.data]);
  if (!tenant.data) return <ErrorAlert error={tenant.error} />;
  const t = tenant.data;
  const canManage = me.data?.permissions.includes('tenants.manage');
  const isOwnCustomer = t.parentId === me.data?.tenant.id;
  // quantities are the provider's to set, for its customers and for itself
  const canManageLicenses =
    (me.data?.permissions.includes('licenses.manage') ?? false) &&
    (isOwnCustomer || t.id === me.data?.tenant.id);

  return (
    <>
      <Anchor component={Link} to={`/t/${tenantId}/tenants`} size="sm">
        ← Tenants
      </Anchor>
      <PageHeader
        title={t.name}
        description={
          <Group gap="xs">
            <Badge variant="light" color={t.kind === 'provider' ? 'violet' : 'blue'}>
              {t.kind}
            </Badge>
            <Badge variant="dot" color={t.status === 'active' ? 'teal' : 'orange'}>
              {t.status}
            </Badge>
            <Text size="sm" c="dimmed" ff="monospace">
              {t.slug}
            </Text>
          </Group>
        }
        actions={
          <Button variant="light" component={Link} to={`/t/${t.id}/users`}>
            Open users
          </Button>
        }
      />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Paper withBorder radius="lg" p="lg">
          <Stack>
            <Text fw={600}>Settings</Text>
            <TextInput
              label="Name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              disabled={!canManage}
            />
            <TimeZoneSelect
              label="Time zone"
              description="Flows and scheduled changes run on its clocks"
              placeholder="UTC (default)"
              value={timeZone}
              onChange={setTimeZone}
              disabled={!canManage}
              data-testid="tenant-time-zone"
            />
            <LocaleSelect
              label="Language"
              description="For people who have not chosen their own"
              placeholder="Not set"
              value={locale}
              onChange={setLocale}
              disabled={!canManage}
              data-testid="tenant-locale"
            />
            <ErrorAlert error={update.error} />
            {canManage ? (
              <Group justify="flex-end">
                <Button
                  loading={update.isPending}
                  onClick={() =>
                    update.mutate(
                      {
                        name: name.trim(),
                        // unset values are left out: the tenant falls back to UTC and no language
                        settings: {
                          ...t.settings,
                          timeZone: timeZone ?? undefined,
                          locale: locale ?? undefined,
                        },
                      },
                      { onSuccess: () => notifyDone('Saved') },
                    )
                  }
                >
                  Save
                </Button>
              </Group>
            ) : null}
          </Stack>
        </Paper>
        <Paper withBorder radius="lg" p="lg">
          <Stack gap="xs">
            <Text fw={600}>Details</Text>
            <Text size="sm">
              <Text span c="dimmed">
                Id:{' '}
              </Text>
              <Text span ff="monospace" size="xs">
                {t.id}
              </Text>
            </Text>
            <Text size="sm">
              <Text span c="dimmed">
                Created:{' '}
              </Text>
              {formatDateTime(t.createdAt)}
            </Text>
            <Text size="sm">
              <Text span c="dimmed">
                Updated:{' '}
              </Text>
              {formatDateTime(t.updatedAt)}
            </Text>
            {isOwnCustomer && canManage ? (
              <Group mt="md">
                <Button
                  variant="light"
                  color={t.status === 'active' ? 'orange' : 'teal'}
                  onClick={() =>
                    update.mutate(
                      { status: t.status === 'active' ? 'suspended' : 'active' },
                      {
                        onSuccess: () =>
                          notifyDone(t.status === 'active' ? 'Customer suspended' : 'Customer reactivated'),
                      },
                    )
                  }
                >
                  {t.status === 'active' ? 'Suspend customer' : 'Reactivate customer'}
                </Button>
              </Group>
            ) : null}
          </Stack>
        </Paper>
        {canManageLicenses ? <LicensesCard tenantId={t.id} /> : null}
      </SimpleGrid>
    </>
  );
}

/** The provider sets how many seats each tenant (a customer, or itself) may use. */
function LicensesCard({ tenantId }: { tenantId: string }) {
  const pools = useLicenses(tenantId);
  const save = useSetLicenses(tenantId);
  const people = pools.data?.items.find((p) => p.type === 'people');
  // what the admin typed, or (untouched) the pool's current quantity: data arriving or refetched later
  // never overwrites an edit in progress
  const [edited, setEdited] = useState<number | string | null>(null);
  const quantity = edited ?? people?.quantity ?? '';
  // refused here with a reason, not clamped on blur: a typed "-5" must never quietly save as 0
  const n = typeof quantity === 'number' ? quantity : Number(quantity);
  const problem =
    quantity === '' || Number.isNaN(n)
      ? 'Enter how many people licences this tenant may use.'
      : n < 0
        ? 'The number of licences cannot be negative: enter 0 or more.'
        : !Number.isInteger(n)
          ? 'Enter a whole number of licences.'
          : n > 1_000_000
            ? 'At most 1,000,000 licences.'
            : null;
  return (
    <Paper withBorder radius="lg" p="lg">
      <Stack>
        <Text fw={600}>Licences</Text>
        <Text size="sm" c="dimmed">
          {people ? `${people.used} of ${people.quantity} people licences in use.` : 'No licences yet.'}
        </Text>
        <Group align="flex-start">
          <NumberInput
            label="People licences"
            min={0}
            max={1_000_000}
            clampBehavior="none"
            value={quantity}
            onChange={setEdited}
            error={edited === null ? undefined : problem}
            w={260}
            name="people-licences"
          />
          <Button
            mt={25}
            loading={save.isPending}
            disabled={problem !== null}
            onClick={() =>
              save.mutate([{ type: 'people', quantity: n }], {
                onSuccess: () => {
                  setEdited(null);
                  notifyDone('Licences saved');
                },
              })
            }
          >
            Save licences
          </Button>
        </Group>
        <ErrorAlert error={save.error} />
      </Stack>
    </Paper>
  );
}
