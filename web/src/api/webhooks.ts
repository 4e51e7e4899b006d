import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, patch, post, qs } from './client.ts';

/** Outbound webhooks: the tenant's endpoints, its signing secret and the recent deliveries. */
export type DeliveryStatus = 'queued' | 'delivered' | 'failed';
interface DeliveryOutcome {
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastDelivery: (DeliveryOutcome & { event: string }) | null;
}
export interface WebhookDelivery extends DeliveryOutcome {
  id: string;
  endpointId: string | null;
  url: string;
  event: string;
}
export interface EndpointInput {
  url: string;
  events: string[];
  description: string;
}

const base = (tenantId: string) => `/api/v1/tenants/${tenantId}/webhooks`;
const endpointsKey = (tenantId: string) => ['webhook-endpoints', tenantId];
const deliveriesKey = (tenantId: string) => ['webhook-deliveries', tenantId];

export const useWebhookEndpoints = (tenantId: string) =>
  useQuery({
    queryKey: endpointsKey(tenantId),
    queryFn: () => get<{ items: WebhookEndpoint[]; events: string[] }>(base(tenantId)),
    // while a delivery is under way its outcome arrives within seconds
    refetchInterval: (q) =>
      q.state.data?.items.some((e) => e.lastDelivery?.status === 'queued') ? 3_000 : false,
  });

export const useWebhookDeliveries = (tenantId: string, limit = 50) =>
  useQuery({
    queryKey: [...deliveriesKey(tenantId), limit],
    queryFn: () => get<{ items: WebhookDelivery[] }>(`${base(tenantId)}/deliveries${qs({ limit })}`),
    refetchInterval: (q) => (q.state.data?.items.some((d) => d.status === 'queued') ? 3_000 : false),
  });

function useInvalidateWebhooks(tenantId: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: endpointsKey(tenantId) });
    void qc.invalidateQueries({ queryKey: deliveriesKey(tenantId) });
  };
}

export function useCreateWebhookEndpoint(tenantId: string) {
  const invalidate = useInvalidateWebhooks(tenantId);
  return useMutation({
    mutationFn: (body: EndpointInput) => post<WebhookEndpoint>(base(tenantId), body),
    onSuccess: invalidate,
  });
}

export function useUpdateWebhookEndpoint(tenantId: string) {
  const invalidate = useInvalidateWebhooks(tenantId);
  return useMutation({
    mutationFn: ({ id, ...body }: Partial<EndpointInput> & { id: string; enabled?: boolean }) =>
      patch<WebhookEndpoint>(`${base(tenantId)}/${id}`, body),
    onSuccess: invalidate,
  });
}

export function useDeleteWebhookEndpoint(tenantId: string) {
  const invalidate = useInvalidateWebhooks(tenantId);
  return useMutation({
    mutationFn: (id: string) => del(`${base(tenantId)}/${id}`),
    onSuccess: invalidate,
  });
}

/** Reading the secret is audited, so it is fetched only when asked for, never cached or refetched. */
export const useRevealWebhookSecret = (tenantId: string) =>
  useMutation({ mutationFn: () => get<{ secret: string }>(`${base(tenantId)}/secret`) });

export const useRotateWebhookSecret = (tenantId: string) =>
  useMutation({ mutationFn: () => post<{ secret: string }>(`${base(tenantId)}/secret/rotate`) });
