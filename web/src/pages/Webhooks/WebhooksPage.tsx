import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconEye,
  IconEyeOff,
  IconPencil,
  IconPlus,
  IconRefresh,
  IconRotate,
  IconTrash,
  IconWebhook,
} from '@tabler/icons-react';
import { useParams } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import {
  type DeliveryStatus,
  useCreateWebhookEndpoint,
  useDeleteWebhookEndpoint,
  useRevealWebhookSecret,
  useRotateWebhookSecret,
  useUpdateWebhookEndpoint,
  useWebhookDeliveries,
  useWebhookEndpoints,
  type WebhookEndpoint,
} from '../../api/webhooks.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { CopyValueButton } from '../../ui/copy.tsx';
import {
  ErrorAlert,
  fieldErrorsOf,
  formatDateTime,
  notifyDone,
  notifyError,
  PageHeader,
} from '../../ui/index.tsx';

/** What makes Rollcall send each event, in the words an integrator needs to subscribe to it. */
const EVENT_MEANINGS: Record<string, string> = {
  'resource.owner_changed':
    'A workflow, job, form or other resource registered by an integration gets a new owner: changed by hand, moved when a user’s ownerships are transferred, or handed back when a temporary transfer ends.',
};

const STATUS: Record<DeliveryStatus, { color: string; label: string }> = {
  queued: { color: 'blue', label: 'Sending' },
  delivered: { color: 'teal', label: 'Delivered' },
  failed: { color: 'red', label: 'Failed' },
};

function DeliveryBadge({ status }: { status: string }) {
  const s = STATUS[status as DeliveryStatus] ?? { color: 'gray', label: status };
  return (
    <Badge color={s.color} variant="light" radius="sm">
      {s.label}
    </Badge>
  );
}

/** The receiver's answer: its HTTP status, or why there was none (a timeout, a refused address). */
function Answer({ lastStatus, lastError }: { lastStatus: number | null; lastError: string | null }) {
  if (lastStatus === null && lastError === null)
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Stack gap={0}>
      {lastStatus !== null ? <Text size="sm">HTTP {lastStatus}</Text> : null}
      {lastError && lastError !== `HTTP ${lastStatus}` ? (
        <Text size="xs" c="red.7" lineClamp={2} style={{ wordBreak: 'break-word' }}>
          {lastError}
        </Text>
      ) : null}
    </Stack>
  );
}

/** Where Rollcall announces this tenant's changes to integrations, signed so receivers can trust them. */
export function WebhooksPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const endpoints = useWebhookEndpoints(tenantId);
  const update = useUpdateWebhookEndpoint(tenantId);
  const remove = useDeleteWebhookEndpoint(tenantId);
  const [editing, setEditing] = useState<WebhookEndpoint | 'new' | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const events = endpoints.data?.events ?? [];
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Tell your integrations the moment something changes in this tenant: Rollcall sends each event as a signed HTTPS POST to the endpoints below, and retries until the receiver answers."
        actions={
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => setEditing('new')}
            data-testid="add-webhook-endpoint"
          >
            Add endpoint
          </Button>
        }
      />
      <Stack gap="lg">
        <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
          <div style={{ padding: 'var(--mantine-spacing-lg)', paddingBottom: 'var(--mantine-spacing-sm)' }}>
            <Title order={4}>Endpoints</Title>
            <Text size="sm" c="dimmed">
              Each endpoint receives the events it subscribes to. Switch one off to pause it without losing
              its settings.
            </Text>
          </div>
          <ErrorAlert error={endpoints.error} />
          <Table verticalSpacing="sm" data-testid="webhook-endpoints">
            <Table.Thead>
              <Table.Tr>
                <Table.Th pl="lg">Endpoint</Table.Th>
                <Table.Th>Events</Table.Th>
                <Table.Th>Enabled</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last delivery</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(endpoints.data?.items ?? []).map((e) => (
                <Table.Tr key={e.id} data-testid="webhook-endpoint-row">
                  <Table.Td pl="lg" style={{ maxWidth: 360 }}>
                    <Group gap="xs" wrap="nowrap" align="flex-start">
                      <IconWebhook
                        size={16}
                        color="var(--mantine-color-indigo-6)"
                        style={{ flexShrink: 0, marginTop: 2 }}
                      />
                      <div style={{ minWidth: 0 }}>
                        <Text size="sm" fw={600} style={{ wordBreak: 'break-all' }}>
                          {e.url}
                        </Text>
                        {e.description ? (
                          <Text size="xs" c="dimmed">
                            {e.description}
                          </Text>
                        ) : null}
                      </div>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {e.events.map((ev) => (
                        <Badge key={ev} variant="outline" color="gray" radius="sm" tt="none">
                          {ev}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Switch
                      checked={e.enabled}
                      aria-label={e.enabled ? `Pause ${e.url}` : `Resume ${e.url}`}
                      onChange={(ev) =>
                        update.mutate(
                          { id: e.id, enabled: ev.currentTarget.checked },
                          {
                            onSuccess: (saved) =>
                              notifyDone(saved.enabled ? 'Endpoint enabled' : 'Endpoint paused'),
                            onError: notifyError,
                          },
                        )
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(e.createdAt)}</Text>
                  </Table.Td>
                  <Table.Td data-testid="webhook-last-delivery">
                    {e.lastDelivery ? (
                      <Stack gap={2}>
                        <Group gap="xs">
                          <DeliveryBadge status={e.lastDelivery.status} />
                          {e.lastDelivery.lastStatus !== null ? (
                            <Text size="xs" c="dimmed">
                              HTTP {e.lastDelivery.lastStatus}
                            </Text>
                          ) : null}
                        </Group>
                        <Text size="xs" c="dimmed">
                          {formatDateTime(e.lastDelivery.createdAt)}
                        </Text>
                      </Stack>
                    ) : (
                      <Badge variant="light" color="gray">
                        None yet
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td pr="lg">
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      <Tooltip label="Edit" withArrow>
                        <ActionIcon
                          variant="subtle"
                          color="gray"
                          aria-label={`Edit ${e.url}`}
                          onClick={() => setEditing(e)}
                        >
                          <IconPencil size={16} />
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label="Delete" withArrow>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${e.url}`}
                          onClick={() => setDeleting(e)}
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
              {endpoints.data && endpoints.data.items.length === 0 ? (
                <Table.Tr>
                  <Table.Td colSpan={6} pl="lg">
                    <Text size="sm" c="dimmed" py="sm">
                      No endpoints yet. Add the address of the integration that should hear of changes.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ) : null}
            </Table.Tbody>
          </Table>
        </Paper>

        <SigningSecretCard tenantId={tenantId} />
        <DeliveriesCard tenantId={tenantId} />
      </Stack>

      <EndpointModal
        tenantId={tenantId}
        endpoint={editing}
        events={events}
        onClose={() => setEditing(null)}
      />
      <ConfirmDialog
        opened={deleting !== null}
        title="Delete this endpoint?"
        confirmLabel="Delete endpoint"
        loading={remove.isPending}
        error={remove.error}
        onClose={() => {
          remove.reset();
          setDeleting(null);
        }}
        onConfirm={() =>
          deleting &&
          remove.mutate(deleting.id, {
            onSuccess: () => {
              notifyDone('Endpoint deleted');
              setDeleting(null);
            },
          })
        }
      >
        <Text size="sm">
          <b style={{ wordBreak: 'break-all' }}>{deleting?.url}</b> receives no new events, and deliveries
          still waiting for a retry are not sent. Its past deliveries stay listed below. To stop it for a
          while instead, switch it off (that too stops the waiting ones).
        </Text>
      </ConfirmDialog>
    </>
  );
}

const FORM_FIELDS = ['url', 'events', 'description'] as const;

function EndpointModal({
  tenantId,
  endpoint,
  events,
  onClose,
}: {
  tenantId: string;
  endpoint: WebhookEndpoint | 'new' | null;
  events: string[];
  onClose: () => void;
}) {
  const existing = endpoint && endpoint !== 'new' ? endpoint : null;
  return (
    <Modal
      opened={endpoint !== null}
      onClose={onClose}
      title={<Text fw={600}>{existing ? 'Edit endpoint' : 'Add an endpoint'}</Text>}
      size="lg"
      radius="lg"
    >
      {/* keyed, so each opening starts from the endpoint's saved values */}
      {endpoint !== null ? (
        <EndpointForm
          key={existing?.id ?? 'new'}
          tenantId={tenantId}
          existing={existing}
          events={events}
          onClose={onClose}
        />
      ) : null}
    </Modal>
  );
}

function EndpointForm({
  tenantId,
  existing,
  events,
  onClose,
}: {
  tenantId: string;
  existing: WebhookEndpoint | null;
  events: string[];
  onClose: () => void;
}) {
  const create = useCreateWebhookEndpoint(tenantId);
  const update = useUpdateWebhookEndpoint(tenantId);
  const save = existing ? update : create;
  const [url, setUrl] = useState(existing?.url ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [chosen, setChosen] = useState<string[]>(existing?.events ?? (events.length === 1 ? events : []));
  const { byField, unplaced } = fieldErrorsOf(save.error, FORM_FIELDS);
  const submit = () => {
    const body = { url: url.trim(), events: chosen, description: description.trim() };
    const done = {
      onSuccess: () => {
        notifyDone(existing ? 'Endpoint saved' : 'Endpoint added');
        onClose();
      },
    };
    if (existing) update.mutate({ id: existing.id, ...body }, done);
    else create.mutate(body, done);
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Stack>
        <TextInput
          label="Endpoint URL"
          description="The integration’s address that receives the POST requests. Use https:// so events travel encrypted."
          placeholder="https://integrations.example.com/rollcall"
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          error={byField.url}
          required
          data-autofocus
          maxLength={2000}
          name="url"
        />
        <TextInput
          label="Description"
          description="Optional: which integration this is, for whoever looks here next."
          placeholder="Dispatcher – ticket routing"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={byField.description}
          maxLength={300}
          name="description"
        />
        <Checkbox.Group
          label="Events"
          description="What this endpoint is told about."
          value={chosen}
          onChange={setChosen}
          error={byField.events}
          required
        >
          <Stack gap="sm" mt="xs">
            {events.map((ev) => (
              <Checkbox
                key={ev}
                value={ev}
                label={<Code>{ev}</Code>}
                description={EVENT_MEANINGS[ev]}
                styles={{ body: { alignItems: 'flex-start' } }}
              />
            ))}
          </Stack>
        </Checkbox.Group>
        <ErrorAlert error={unplaced} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={url.trim() === '' || chosen.length === 0}>
            {existing ? 'Save endpoint' : 'Add endpoint'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const SIGNED_HEADERS: Array<[string, ReactNode]> = [
  [
    'Rollcall-Signature',
    <>
      <Code>v1=</Code> and the hex HMAC-SHA256 of <Code>{`\${timestamp}.\${rawBody}`}</Code>, keyed with the
      signing secret
    </>,
  ],
  ['Rollcall-Timestamp', 'When it was signed, in Unix seconds: refuse requests more than five minutes off'],
  ['Rollcall-Webhook-Id', 'The same on every retry of one delivery: skip one you have already handled'],
  ['Rollcall-Event', 'The event, e.g. resource.owner_changed'],
];

const VERIFY_SNIPPET = `import { createHmac, timingSafeEqual } from 'node:crypto';

// rawBody: the body exactly as received, before JSON parsing
function isFromRollcall(headers, rawBody, secret) {
  const timestamp = headers['rollcall-timestamp'];
  const expected = 'v1=' + createHmac('sha256', secret)
    .update(\`\${timestamp}.\${rawBody}\`).digest('hex');
  const given = String(headers['rollcall-signature'] ?? '');
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && given.length === expected.length &&
    timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}`;

function SigningSecretCard({ tenantId }: { tenantId: string }) {
  const reveal = useRevealWebhookSecret(tenantId);
  const rotate = useRotateWebhookSecret(tenantId);
  const [shown, setShown] = useState<string | null>(null);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState(false);
  return (
    <Paper withBorder radius="lg" p="lg" data-testid="webhook-secret-card">
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="xl">
        <Stack gap="sm">
          <div>
            <Title order={4} mb={4}>
              Signing secret
            </Title>
            <Text size="sm" c="dimmed">
              One secret for all of this tenant’s endpoints. Every request is signed with it, so a receiver
              can tell it really comes from Rollcall and was not changed on the way.
            </Text>
          </div>
          {shown ? (
            <Stack gap="xs">
              {rotated ? (
                <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />}>
                  This is the new secret: requests are signed with it from now on. Give it to every receiver.
                </Alert>
              ) : null}
              <Group gap="xs" wrap="nowrap">
                <Code
                  data-testid="webhook-secret"
                  style={{ fontSize: 13, padding: '6px 10px', wordBreak: 'break-all', flex: 1 }}
                >
                  {shown}
                </Code>
                <CopyValueButton value={shown} label="Copy the secret" />
                <Button
                  size="xs"
                  variant="default"
                  leftSection={<IconEyeOff size={14} />}
                  onClick={() => {
                    setShown(null);
                    setRotated(false);
                  }}
                >
                  Hide
                </Button>
              </Group>
            </Stack>
          ) : (
            <Group gap="sm" wrap="nowrap">
              <Code style={{ fontSize: 13, padding: '6px 10px', flex: 1, letterSpacing: 2 }}>
                whsec_••••••••••••••••••••••••
              </Code>
              <Button
                size="xs"
                variant="light"
                leftSection={<IconEye size={14} />}
                loading={reveal.isPending}
                onClick={() =>
                  reveal.mutate(undefined, {
                    onSuccess: (r) => {
                      setRotated(false);
                      setShown(r.secret);
                    },
                    onError: notifyError,
                  })
                }
              >
                Reveal
              </Button>
            </Group>
          )}
          <Text size="xs" c="dimmed">
            Revealing the secret is recorded in the audit log under your name.
          </Text>
          <div>
            <Button
              variant="outline"
              color="red"
              leftSection={<IconRotate size={16} />}
              onClick={() => setRotating(true)}
            >
              Rotate secret
            </Button>
          </div>
        </Stack>
        <Stack gap="xs">
          <Title order={5}>How a receiver verifies a request</Title>
          <Table withRowBorders={false} verticalSpacing={4} horizontalSpacing={0} layout="fixed">
            <Table.Tbody>
              {SIGNED_HEADERS.map(([name, meaning]) => (
                <Table.Tr key={name}>
                  <Table.Td w={190} style={{ verticalAlign: 'top' }}>
                    <Code style={{ whiteSpace: 'nowrap' }}>{name}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{meaning}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Text size="sm" c="dimmed">
            Compute the HMAC over the raw body exactly as received, before parsing the JSON, and compare in
            constant time.
          </Text>
        </Stack>
      </SimpleGrid>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} mt="lg" mb={4}>
        Example check in Node.js
      </Text>
      <Code block style={{ fontSize: 12 }} data-testid="webhook-verify-snippet">
        {VERIFY_SNIPPET}
      </Code>
      <ConfirmDialog
        opened={rotating}
        title="Rotate the signing secret?"
        confirmLabel="Rotate secret"
        loading={rotate.isPending}
        error={rotate.error}
        onClose={() => {
          rotate.reset();
          setRotating(false);
        }}
        onConfirm={() =>
          rotate.mutate(undefined, {
            onSuccess: (r) => {
              setShown(r.secret);
              setRotated(true);
              setRotating(false);
              notifyDone('Secret rotated');
            },
          })
        }
      >
        <Text size="sm">
          Rollcall signs every request with a new secret from now on, including retries of deliveries still
          under way. Receivers that still check with the old secret will refuse them until you give them the
          new one, which is shown once you rotate.
        </Text>
      </ConfirmDialog>
    </Paper>
  );
}

function DeliveriesCard({ tenantId }: { tenantId: string }) {
  const deliveries = useWebhookDeliveries(tenantId);
  // the endpoints' last-delivery column moves with this list
  const endpoints = useWebhookEndpoints(tenantId);
  return (
    <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
      <Group justify="space-between" p="lg" pb="sm">
        <div>
          <Title order={4}>Recent deliveries</Title>
          <Text size="sm" c="dimmed">
            Newest first. A delivery that is not answered with a 2xx is retried with growing pauses, up to
            nine attempts.
          </Text>
        </div>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconRefresh size={14} />}
          loading={deliveries.isFetching}
          onClick={() => {
            void deliveries.refetch();
            void endpoints.refetch();
          }}
          data-testid="refresh-deliveries"
        >
          Refresh
        </Button>
      </Group>
      <ErrorAlert error={deliveries.error} />
      <Table verticalSpacing="sm" data-testid="webhook-deliveries">
        <Table.Thead>
          <Table.Tr>
            <Table.Th pl="lg">Event</Table.Th>
            <Table.Th>Endpoint</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Response</Table.Th>
            <Table.Th pr="lg">Time</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(deliveries.data?.items ?? []).map((d) => (
            <Table.Tr key={d.id} data-testid="webhook-delivery-row">
              <Table.Td pl="lg">
                <Code>{d.event}</Code>
              </Table.Td>
              <Table.Td style={{ maxWidth: 320 }}>
                <Text size="sm" style={{ wordBreak: 'break-all' }}>
                  {d.url}
                </Text>
                {d.endpointId === null ? (
                  <Text size="xs" c="dimmed">
                    endpoint since deleted
                  </Text>
                ) : null}
              </Table.Td>
              <Table.Td>
                <DeliveryBadge status={d.status} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{d.attempts}</Text>
              </Table.Td>
              <Table.Td style={{ maxWidth: 260 }}>
                <Answer lastStatus={d.lastStatus} lastError={d.lastError} />
              </Table.Td>
              <Table.Td pr="lg">
                <Text size="sm">{formatDateTime(d.createdAt)}</Text>
                {d.deliveredAt && formatDateTime(d.deliveredAt) !== formatDateTime(d.createdAt) ? (
                  <Text size="xs" c="dimmed">
                    delivered {formatDateTime(d.deliveredAt)}
                  </Text>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
          {deliveries.data && deliveries.data.items.length === 0 ? (
            <Table.Tr>
              <Table.Td colSpan={6} pl="lg">
                <Text size="sm" c="dimmed" py="sm">
                  Nothing sent yet. Deliveries appear here as soon as a subscribed event happens.
                </Text>
              </Table.Td>
            </Table.Tr>
          ) : null}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
