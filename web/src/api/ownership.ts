import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { get, patch, post, qs } from './client.ts';
import { useDirectoryInvalidation } from './hooks.ts';
import type { Page } from './types.ts';

/** Ownership, sharing, transfers and scheduled removal (rules 17-19): types and hooks. */
const t = (tenantId: string) => `/api/v1/tenants/${tenantId}`;

/** A change of owners or shares makes the directory and every ownership view stale. */
function useOwnershipMutation<TBody, TResult = unknown>(fn: (body: TBody) => Promise<TResult>) {
  const invalidateDirectory = useDirectoryInvalidation();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    // refetch in the background: the caller's own onSuccess (close, notify) need not wait for it
    onSuccess: () => {
      void invalidateDirectory();
      for (const k of ['transfers', 'transfer', 'shared', 'ownerships', 'ownerships-list'])
        void qc.invalidateQueries({ queryKey: [k] });
    },
  });
}

export interface PersonRef {
  id: string;
  firstName: string;
  lastName: string;
  initials: string;
}
export interface DateHour {
  date: string;
  hour: number;
}
export type ShareLevel = 'view' | 'edit';

export interface MovedItem {
  type: string;
  id: string;
  name: string;
  action: 'owner' | 'membership' | 'access';
  reverts: boolean;
  level?: ShareLevel;
  previousLevel?: ShareLevel | null;
}

export interface Plan {
  owned: Array<{
    type: string;
    label: string;
    count: number;
    items: Array<{ id: string; name: string }>;
    moves: boolean;
    /** Freed instead of moving: the recipient holds one already (a licence seat), or a removal has no recipient. */
    freed: number;
    revertsAtEnd: boolean;
  }>;
  ownedCount: number;
  recipientRequired: boolean;
  recipientJoinsGroups: Array<{ id: string; name: string; roleName: string | null }>;
  sharedWithUser: number;
  warnings: Array<{ code: string; message: string; items?: Array<{ id: string; name: string }> }>;
}

export interface Transfer {
  id: string;
  kind: 'one_time' | 'duration' | 'removal';
  status: 'scheduled' | 'active' | 'completed' | 'cancelled' | 'failed';
  user: PersonRef;
  recipient: PersonRef | null;
  startsAt: string;
  endsAt: string | null;
  timeZone: string;
  start: DateHour;
  end: DateHour | null;
  blockSignIn: boolean;
  requestedBy: { id: string | null; label: string };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  cancelledAt: string | null;
  cancelledBy: string | null;
  cancellable: boolean;
  movedCount: number;
  moved: MovedItem[];
  outcome: { reverted?: number; kept?: Array<{ name: string; why: string }>; reason?: string } | null;
  failure: { code: string; detail: string } | null;
}

export interface TransferRequest {
  kind: 'one_time' | 'duration';
  recipientId: string;
  at?: DateHour;
  start?: DateHour;
  end?: DateHour;
  blockSignIn?: boolean;
}

export interface RemoveRequest {
  when: 'immediate' | 'scheduled';
  at?: DateHour;
  transferTo?: string;
}

export interface RemoveResult {
  status: string;
  changed: boolean;
  scheduled: Transfer | null;
  plan: Plan;
  moved: MovedItem[];
}

export interface SharedItem {
  resource: {
    id: string;
    type: string;
    typeLabel: string;
    name: string;
    externalId: string;
    url: string | null;
    owner: PersonRef;
  };
  level: ShareLevel;
  sharedAt: string;
}

export interface OwnableKind {
  type: string;
  label: string;
  revertsAtDurationEnd: boolean;
  oneTimeOnly: boolean;
  integration: boolean;
  listable: boolean;
}

export interface OwnershipItem {
  type: string;
  id: string;
  name: string;
  owner: PersonRef;
}

// ---------------------------------------------------------------- transfers and removal

export const useTransferPreview = (tenantId: string, userId: string, body: TransferRequest | null) =>
  useQuery({
    queryKey: ['transfer-preview', tenantId, userId, body],
    enabled: body !== null,
    queryFn: () =>
      post<{ plan: Plan; startsAt: string; endsAt: string | null; timeZone: string }>(
        `${t(tenantId)}/users/${userId}/transfers`,
        { ...body, preview: true },
      ),
    retry: false,
  });

export const useRequestTransfer = (tenantId: string, userId: string) =>
  useOwnershipMutation((body: TransferRequest) =>
    post<Transfer>(`${t(tenantId)}/users/${userId}/transfers`, body),
  );

export const useRemovalPreview = (
  tenantId: string,
  userId: string,
  transferTo: string | null,
  enabled: boolean,
) =>
  useQuery({
    queryKey: ['removal-preview', tenantId, userId, transferTo],
    enabled,
    queryFn: () =>
      post<RemoveResult>(`${t(tenantId)}/users/${userId}/remove`, {
        preview: true,
        ...(transferTo ? { transferTo } : {}),
      }),
    retry: false,
  });

export const useRemoveUser = (tenantId: string, userId: string) =>
  useOwnershipMutation((body: RemoveRequest) =>
    post<RemoveResult>(`${t(tenantId)}/users/${userId}/remove`, body),
  );

export const useTransfer = (tenantId: string, transferId: string | null) =>
  useQuery({
    queryKey: ['transfer', tenantId, transferId],
    enabled: transferId !== null,
    queryFn: () => get<Transfer>(`${t(tenantId)}/transfers/${transferId}`),
  });

export const useUserTransfers = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['transfers', tenantId, userId],
    queryFn: () => get<Page<Transfer>>(`${t(tenantId)}/users/${userId}/transfers?limit=20`),
  });

export const useOpenTransfers = (tenantId: string, enabled: boolean) =>
  useQuery({
    queryKey: ['transfers', tenantId, 'open'],
    enabled,
    queryFn: () => get<Page<Transfer>>(`${t(tenantId)}/transfers?status=open&limit=100`),
  });

export const useCancelTransfer = (tenantId: string) =>
  useOwnershipMutation((transferId: string) =>
    post<Transfer>(`${t(tenantId)}/transfers/${transferId}/cancel`),
  );

export const useUserOwnerships = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['ownerships', tenantId, userId],
    queryFn: () =>
      get<{
        kinds: Array<{ type: string; label: string; items: Array<{ id: string; name: string }> }>;
        total: number;
      }>(`${t(tenantId)}/users/${userId}/ownerships`),
  });

// ---------------------------------------------------------------- sharing

export const useSharedWithUser = (tenantId: string, userId: string | null) =>
  useQuery({
    queryKey: ['shared', tenantId, userId],
    enabled: userId !== null,
    queryFn: () => get<{ items: SharedItem[] }>(`${t(tenantId)}/users/${userId}/shared`),
  });

export const useChangeShared = (tenantId: string, userId: string) =>
  useOwnershipMutation((changes: Array<{ resourceId: string; level: ShareLevel | null }>) =>
    patch<{ items: SharedItem[] }>(`${t(tenantId)}/users/${userId}/shared`, { changes }),
  );

// ---------------------------------------------------------------- the Resources page

export const useOwnableKinds = (tenantId: string) =>
  useQuery({
    queryKey: ['ownable-kinds', tenantId],
    queryFn: () => get<{ items: OwnableKind[] }>(`${t(tenantId)}/ownership/kinds`),
    staleTime: 300_000,
  });

export const useOwnerships = (
  tenantId: string,
  query: { type: string | null; q?: string; ownerId?: string | null },
) =>
  useInfiniteQuery({
    queryKey: ['ownerships-list', tenantId, query],
    enabled: query.type !== null,
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      get<Page<OwnershipItem>>(
        `${t(tenantId)}/ownerships${qs({ type: query.type, q: query.q, ownerId: query.ownerId, limit: 50, cursor: pageParam })}`,
      ),
    getNextPageParam: (last) => last.nextCursor,
  });

export const useChangeOwner = (tenantId: string) =>
  useOwnershipMutation(({ type, id, ownerId }: { type: string; id: string; ownerId: string }) =>
    post<OwnershipItem>(`${t(tenantId)}/ownerships/${type}/${id}/owner`, { ownerId }),
  );
