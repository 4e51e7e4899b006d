import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { del, get, post, put } from './client.ts';

/** SCIM provisioning: the tenant's SCIM tokens and what a SCIM DELETE does. */
export interface ScimToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
}
export interface ScimSettings {
  baseUrl: string;
  deleteAction: 'remove' | 'archive';
}

const t = (tenantId: string) => `/api/v1/tenants/${tenantId}`;

export const useScimTokens = (tenantId: string) =>
  useQuery({
    queryKey: ['scim-tokens', tenantId],
    queryFn: () => get<{ items: ScimToken[] }>(`${t(tenantId)}/scim-tokens`),
    // last activity moves while an identity provider syncs
    refetchInterval: 30_000,
  });

export const useScimSettings = (tenantId: string) =>
  useQuery({
    queryKey: ['scim-settings', tenantId],
    queryFn: () => get<ScimSettings>(`${t(tenantId)}/scim-settings`),
  });

export function useCreateScimToken(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => post<ScimToken & { token: string }>(`${t(tenantId)}/scim-tokens`, { name }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['scim-tokens', tenantId] }),
  });
}

export function useRevokeScimToken(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => del(`${t(tenantId)}/scim-tokens/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['scim-tokens', tenantId] }),
  });
}

export function useSaveScimSettings(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { deleteAction: 'remove' | 'archive' }) =>
      put<ScimSettings>(`${t(tenantId)}/scim-settings`, body),
    onSuccess: (data) => qc.setQueryData(['scim-settings', tenantId], data),
  });
}
