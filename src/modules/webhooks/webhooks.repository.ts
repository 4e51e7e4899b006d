import type { Tx } from '../../platform/db.ts';

/** Each endpoint's newest delivery, so the endpoints list can say whether its receiver is answering. */
export async function lastDeliveryByEndpoint(tx: Tx, tenantId: string) {
  const rows = await tx
    .selectFrom('webhookDeliveries')
    .distinctOn('endpointId')
    .select([
      'endpointId',
      'event',
      'status',
      'attempts',
      'lastStatus',
      'lastError',
      'createdAt',
      'deliveredAt',
    ])
    .where('tenantId', '=', tenantId)
    .where('endpointId', 'is not', null)
    .orderBy('endpointId')
    .orderBy('createdAt', 'desc')
    .execute();
  return new Map(rows.map((r) => [r.endpointId!, r]));
}
