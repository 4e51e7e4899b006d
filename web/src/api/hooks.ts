import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { del, get, patch, post, put, qs } from './client.ts';
import type {
  AuditEvent,
  BulkResult,
  ChainStatus,
  Group,
  Me,
  OwnProfile,
  Page,
  PermissionDefinition,
  PermissionsExplained,
  Person,
  Role,
  Skill,
  Tenant,
  UserDetail,
  UserPage,
} from './types.ts';

const t = (tenantId: string) => `/api/v1/tenants/${tenantId}`;

// ---------------------------------------------------------------- session, tenants

export const useMe = () =>
  useQuery({ queryKey: ['me'], queryFn: () => get<Me>('/api/v1/me'), retry: false, staleTime: 60_000 });

export type SignInAnswer =
  | { mfaRequired: false; passwordChangeRequired: boolean; mfaEnrolmentRequired: boolean }
  | { mfaRequired: true; mfaToken: string; methods: string[]; user: { firstName: string } };

export function useSignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { tenant: string; login: string; password: string }) =>
      post<SignInAnswer>('/api/v1/auth/login', body),
    onSuccess: (answer) => {
      if (!answer.mfaRequired) void qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
}

export function useCompleteMfa() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { mfaToken: string; method: string; code: string }) =>
      post<SignInAnswer>('/api/v1/auth/mfa', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['me'] }),
  });
}

export const useSendEmailCode = () =>
  useMutation({ mutationFn: (mfaToken: string) => post('/api/v1/auth/mfa/email-code', { mfaToken }) });

export function useChangePassword() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => post('/api/v1/me/password', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['me'] }),
  });
}

export interface MfaState {
  factors: Array<{ id: string; kind: string; name: string; createdAt: string; lastUsedAt: string | null }>;
  recoveryCodesRemaining: number;
  enforced: boolean;
}
export interface SessionInfo {
  id: string;
  current: boolean;
  browser: string | null;
  os: string | null;
  deviceType: string | null;
  ip: string | null;
  createdAt: string;
  lastSeenAt: string;
}
export const useMySessions = () =>
  useQuery({
    queryKey: ['my-sessions'],
    queryFn: () => get<{ items: SessionInfo[] }>('/api/v1/me/sessions'),
  });

export function useEndMySession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => del(`/api/v1/me/sessions/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['my-sessions'] }),
  });
}

export function useEndOtherSessions() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => post<{ ended: number }>('/api/v1/me/sessions/end-others'),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['my-sessions'] }),
  });
}

export function useRemoveFactor() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => del(`/api/v1/me/mfa/factors/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['my-mfa'] }),
  });
}

export const useRegenerateRecoveryCodes = () =>
  useMutation({ mutationFn: () => post<{ recoveryCodes: string[] }>('/api/v1/me/mfa/recovery-codes') });

export const useUserSessions = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['user-sessions', tenantId, userId],
    queryFn: () => get<{ items: SessionInfo[] }>(`${t(tenantId)}/users/${userId}/sessions`),
  });

export function useEndUserSessions(tenantId: string, userId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (sessionId?: string) =>
      del<{ ended: number }>(`${t(tenantId)}/users/${userId}/sessions${sessionId ? `/${sessionId}` : ''}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['user-sessions', tenantId, userId] }),
  });
}

export const useAdminPasswordReset = (tenantId: string, userId: string) =>
  useDirectoryMutation((mode: 'force_change' | 'temporary' | 'send_link') =>
    post<{ temporaryPassword: string | null; endedSessions: number }>(
      `${t(tenantId)}/users/${userId}/password-reset`,
      { mode },
    ),
  );
export const useAdminMfaReset = (tenantId: string, userId: string) =>
  useDirectoryMutation(() => post(`${t(tenantId)}/users/${userId}/mfa/reset`));
export const useUnlockUser = (tenantId: string, userId: string) =>
  useDirectoryMutation(() => post(`${t(tenantId)}/users/${userId}/unlock`));

export interface SecurityPolicy {
  ipAllowList: string[];
  mfa: { required: boolean; requiredRoleIds: string[] };
  password: {
    minLength: number;
    requireLower: boolean;
    requireUpper: boolean;
    requireDigit: boolean;
    requireSymbol: boolean;
    maxAgeDays: number;
    historyCount: number;
    forbidCommon: boolean;
    forbidPersonalInfo: boolean;
  };
  lockout: { maxFailures: number; windowMinutes: number; lockMinutes: number };
  session: {
    idleMinutes: number;
    absoluteHours: number;
    maxConcurrent: number;
    onLimit: 'refuse' | 'end_oldest';
  };
}
export const useSecurityPolicy = (tenantId: string) =>
  useQuery({
    queryKey: ['security-policy', tenantId],
    queryFn: () => get<SecurityPolicy>(`${t(tenantId)}/security-policy`),
  });
export function useSaveSecurityPolicy(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<SecurityPolicy> & { forcePasswordChange?: boolean }) =>
      put<SecurityPolicy>(`${t(tenantId)}/security-policy`, body),
    onSuccess: (data) => qc.setQueryData(['security-policy', tenantId], data),
  });
}

/** Registers a passkey: options from the server, the browser's authenticator, the answer back. */
export function useAddPasskey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => {
      const { startRegistration } = await import('@simplewebauthn/browser');
      const { factorId, options } = await post<{ factorId: string; options: Record<string, unknown> }>(
        '/api/v1/me/mfa/passkeys/options',
      );
      const response = await startRegistration({ optionsJSON: options as never });
      return post<{ factorId: string; recoveryCodes: string[] | null }>(
        `/api/v1/me/mfa/passkeys/${factorId}/verify`,
        { response, name },
      );
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['my-mfa'] });
      void qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
}

/** A sign-in's second factor, or a password-less sign-in, with a passkey. */
export function usePasskeySignIn() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (input: { mfaToken: string } | { tenant: string }) => {
      const { startAuthentication } = await import('@simplewebauthn/browser');
      if ('mfaToken' in input) {
        const options = await post<Record<string, unknown>>('/api/v1/auth/mfa/passkey-options', {
          mfaToken: input.mfaToken,
        });
        const credential = await startAuthentication({ optionsJSON: options as never });
        return post<SignInAnswer>('/api/v1/auth/mfa', {
          mfaToken: input.mfaToken,
          method: 'passkey',
          credential,
        });
      }
      const { challengeId, options } = await post<{ challengeId: string; options: Record<string, unknown> }>(
        '/api/v1/auth/passkey/options',
        {
          tenant: input.tenant,
        },
      );
      const credential = await startAuthentication({ optionsJSON: options as never });
      return post<SignInAnswer>('/api/v1/auth/passkey', { tenant: input.tenant, challengeId, credential });
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: ['me'] }),
  });
}

export interface LicensePool {
  type: string;
  quantity: number;
  used: number;
  free: number;
}
export const useLicenses = (tenantId: string) =>
  useQuery({
    queryKey: ['licenses', tenantId],
    queryFn: () => get<{ items: LicensePool[] }>(`${t(tenantId)}/licenses`),
  });

export function useLicenseAction(tenantId: string) {
  const qc = useQueryClient();
  const invalidate = useDirectoryInvalidation();
  return useMutation({
    mutationFn: ({ userId, assign }: { userId: string; assign: boolean }) =>
      assign
        ? post(`${t(tenantId)}/users/${userId}/license`, {})
        : del(`${t(tenantId)}/users/${userId}/license`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['licenses', tenantId] });
      void invalidate();
    },
  });
}

export function useSetLicenses(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (pools: Array<{ type: string; quantity: number }>) =>
      put<{ items: LicensePool[] }>(`${t(tenantId)}/licenses`, { pools }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['licenses', tenantId] }),
  });
}

export interface Invitation {
  id: string;
  userId: string;
  email: string;
  status: string;
  expiresAt: string;
}
export const useInvitations = (tenantId: string) =>
  useQuery({
    queryKey: ['invitations', tenantId],
    queryFn: () => get<{ items: Invitation[] }>(`${t(tenantId)}/invitations`),
  });

export interface InviteResult {
  results: Array<{ email: string; ok: boolean; code?: string; detail?: string }>;
  sent: number;
  failed: number;
  /** 'outbox' when no SMTP server is configured: the emails wait in the Outbox. */
  delivery: 'smtp' | 'outbox';
}
export function useInvite(tenantId: string) {
  const qc = useQueryClient();
  const invalidate = useDirectoryInvalidation();
  return useMutation({
    mutationFn: (entries: Array<{ emails: string; groupIds?: string[]; roleIds?: string[] }>) =>
      post<InviteResult>(`${t(tenantId)}/invitations`, { entries }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['invitations', tenantId] });
      void invalidate();
    },
  });
}

export function useInvitationAction(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: 'resend' | 'cancel' }) =>
      post(`${t(tenantId)}/invitations/${id}/${action}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['invitations', tenantId] }),
  });
}

export interface OutboxItem {
  id: string;
  toAddress: string;
  kind: string;
  subject: string;
  textBody: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}
export const useOutbox = (tenantId: string) =>
  useQuery({
    queryKey: ['outbox', tenantId],
    queryFn: () => get<{ items: OutboxItem[]; smtpConfigured: boolean }>(`${t(tenantId)}/outbox`),
  });

// ---------------------------------------------------------------- own profile, first-sign-in setup

export const useOwnProfile = () =>
  useQuery({ queryKey: ['own-profile'], queryFn: () => get<OwnProfile>('/api/v1/me/profile') });

export function useUpdateOwnProfile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<Omit<OwnProfile, 'id' | 'tenantId'>>) =>
      patch<OwnProfile>('/api/v1/me/profile', body),
    onSuccess: (profile) => {
      qc.setQueryData(['own-profile'], profile);
      void qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
}

export function useUploadOwnAvatar() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ tenantId, userId, file }: { tenantId: string; userId: string; file: Blob }) =>
      put<void>(`${t(tenantId)}/users/${userId}/avatar`, file),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['own-profile'] }),
  });
}

export function useCompleteSetup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (skipped: boolean) => post<OwnProfile>('/api/v1/me/setup/complete', { skipped }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['me'] }),
  });
}

export const useSendOwnVerification = () =>
  useMutation({
    mutationFn: () => post<{ sent: boolean; alreadyVerified: boolean }>('/api/v1/me/email-verification'),
  });

export const useSendVerification = (tenantId: string, userId: string) =>
  useMutation({
    mutationFn: () =>
      post<{ sent: boolean; alreadyVerified: boolean }>(`${t(tenantId)}/users/${userId}/email-verification`),
  });

export const useMyMfa = () =>
  useQuery({ queryKey: ['my-mfa'], queryFn: () => get<MfaState>('/api/v1/me/mfa') });

export function useStartTotp() {
  return useMutation({
    mutationFn: () =>
      post<{ factorId: string; secret: string; otpauthUri: string; qrCode: string }>(
        '/api/v1/me/mfa/totp',
        {},
      ),
  });
}

export function useConfirmTotp() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ factorId, code }: { factorId: string; code: string }) =>
      post<{ factorId: string; recoveryCodes: string[] | null }>(`/api/v1/me/mfa/totp/${factorId}/confirm`, {
        code,
      }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['my-mfa'] });
      void qc.invalidateQueries({ queryKey: ['me'] });
    },
  });
}

export function useSignOut() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: () => post('/api/v1/auth/logout'), onSuccess: () => qc.clear() });
}

/** `enabled` false for people without `tenants.read`: asking would only be refused. */
export const useTenants = (q?: string, enabled = true) =>
  useQuery({
    queryKey: ['tenants', q ?? ''],
    queryFn: () => get<Page<Tenant>>(`/api/v1/tenants${qs({ q, limit: 200 })}`),
    placeholderData: keepPreviousData,
    enabled,
  });

/** `enabled` false for callers without `tenants.read`, who would only be refused. */
export const useTenant = (tenantId: string, enabled = true) =>
  useQuery({ queryKey: ['tenant', tenantId], queryFn: () => get<Tenant>(t(tenantId)), enabled });

export function useCreateTenant() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; slug: string }) => post<Tenant>('/api/v1/tenants', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['tenants'] }),
  });
}

export function useUpdateTenant(tenantId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<Pick<Tenant, 'name' | 'settings' | 'status'>>) =>
      patch<Tenant>(t(tenantId), body),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ['tenants'] });
      qc.invalidateQueries({ queryKey: ['tenant', tenantId] });
    },
  });
}

// ---------------------------------------------------------------- audit

export interface AuditFilters {
  action?: string;
  actorId?: string;
  from?: string;
  to?: string;
}

export const useAudit = (tenantId: string, filters: AuditFilters) =>
  useInfiniteQuery({
    queryKey: ['audit', tenantId, filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      get<Page<AuditEvent>>(`${t(tenantId)}/audit${qs({ ...filters, limit: 50, cursor: pageParam })}`),
    getNextPageParam: (last) => last.nextCursor,
  });

export const useChainStatus = (tenantId: string) =>
  useQuery({
    queryKey: ['audit-verify', tenantId],
    queryFn: () => get<ChainStatus>(`${t(tenantId)}/audit/verify`),
  });

// ---------------------------------------------------------------- users

export interface UserQuery {
  q?: string;
  status?: string;
  groupId?: string;
  kind?: string;
  sort?: string;
}

export const useUsers = (tenantId: string, query: UserQuery, enabled = true) =>
  useInfiniteQuery({
    enabled,
    queryKey: ['users', tenantId, query],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      get<UserPage>(`${t(tenantId)}/users${qs({ ...query, limit: 100, cursor: pageParam })}`),
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });

export const useUser = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['user', tenantId, userId],
    queryFn: () => get<UserDetail>(`${t(tenantId)}/users/${userId}`),
  });

/** After any change to users, groups or roles, everything that shows them is stale. */
export function useDirectoryInvalidation() {
  const qc = useQueryClient();
  return () =>
    Promise.all(
      ['users', 'user', 'groups', 'roles', 'permissions', 'managed', 'audit'].map((k) =>
        qc.invalidateQueries({ queryKey: [k] }),
      ),
    );
}

export function useDirectoryMutation<TBody, TResult = unknown>(fn: (body: TBody) => Promise<TResult>) {
  const invalidate = useDirectoryInvalidation();
  return useMutation({ mutationFn: fn, onSuccess: () => invalidate() });
}

export const useCreateUser = (tenantId: string) =>
  useDirectoryMutation((body: Record<string, unknown>) => post<UserDetail>(`${t(tenantId)}/users`, body));

export const useUpdateUser = (tenantId: string, userId: string) =>
  useDirectoryMutation((body: Record<string, unknown>) =>
    patch<UserDetail>(`${t(tenantId)}/users/${userId}`, body),
  );

export const useUserAction = (tenantId: string) =>
  useDirectoryMutation(({ userId, action, body }: { userId: string; action: string; body?: unknown }) =>
    post(`${t(tenantId)}/users/${userId}/${action}`, body),
  );

export const useBulkAction = (tenantId: string) =>
  useDirectoryMutation((body: { action: string; ids: string[]; groupIds?: string[]; roleIds?: string[] }) =>
    post<BulkResult>(`${t(tenantId)}/users/bulk`, body),
  );

export const useSetUserRoles = (tenantId: string, userId: string) =>
  useDirectoryMutation((roleIds: string[]) => put(`${t(tenantId)}/users/${userId}/roles`, { roleIds }));

export const useSetUserGroups = (tenantId: string, userId: string) =>
  useDirectoryMutation((groupIds: string[]) => put(`${t(tenantId)}/users/${userId}/groups`, { groupIds }));

export const useSetManagers = (tenantId: string, userId: string) =>
  useDirectoryMutation((managerIds: string[]) =>
    put(`${t(tenantId)}/users/${userId}/managers`, { managerIds }),
  );

export const useManagedUsers = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['managed', tenantId, userId],
    queryFn: () => get<{ items: Person[] }>(`${t(tenantId)}/users/${userId}/managed-users`),
  });

export const usePermissions = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['permissions', tenantId, userId],
    queryFn: () => get<PermissionsExplained>(`${t(tenantId)}/users/${userId}/permissions`),
  });

export const useSkills = (tenantId: string, userId: string) =>
  useQuery({
    queryKey: ['user', tenantId, userId, 'skills'],
    queryFn: () => get<{ items: Skill[] }>(`${t(tenantId)}/users/${userId}/skills`),
  });

export const useSetSkills = (tenantId: string, userId: string) =>
  useDirectoryMutation((items: Array<Omit<Skill, 'id' | 'expired' | 'expiresInDays'>>) =>
    put(`${t(tenantId)}/users/${userId}/skills`, { items }),
  );

// ---------------------------------------------------------------- groups and roles

export const useGroups = (tenantId: string) =>
  useQuery({
    queryKey: ['groups', tenantId],
    queryFn: () => get<{ items: Group[] }>(`${t(tenantId)}/groups`),
  });

export const useCreateGroup = (tenantId: string) =>
  useDirectoryMutation((body: { name: string; roleId?: string }) =>
    post<Group>(`${t(tenantId)}/groups`, body),
  );

export const useUpdateGroup = (tenantId: string) =>
  useDirectoryMutation(
    ({
      groupId,
      ...body
    }: {
      groupId: string;
      name?: string;
      roleId?: string | null;
      defaultMemberId?: string | null;
    }) => patch<Group>(`${t(tenantId)}/groups/${groupId}`, body),
  );

export const useDeleteGroup = (tenantId: string) =>
  useDirectoryMutation((groupId: string) =>
    del<{ movedToDefault: string[] }>(`${t(tenantId)}/groups/${groupId}`),
  );

export const useUnassignGroupRole = (tenantId: string) =>
  useDirectoryMutation(
    ({
      groupId,
      ...body
    }: {
      groupId: string;
      mode: 'remove_from_all' | 'keep_individually';
      exceptUserId?: string;
    }) => post<Group>(`${t(tenantId)}/groups/${groupId}/role/unassign`, body),
  );

export const useRoles = (tenantId: string) =>
  useQuery({ queryKey: ['roles', tenantId], queryFn: () => get<{ items: Role[] }>(`${t(tenantId)}/roles`) });

export const useCatalog = () =>
  useQuery({
    queryKey: ['catalog'],
    queryFn: () => get<{ items: PermissionDefinition[] }>('/api/v1/permissions'),
    staleTime: Number.POSITIVE_INFINITY,
  });

export const useSaveRole = (tenantId: string) =>
  useDirectoryMutation(
    ({ roleId, ...body }: { roleId?: string; name: string; description: string; permissions: string[] }) =>
      roleId ? patch<Role>(`${t(tenantId)}/roles/${roleId}`, body) : post<Role>(`${t(tenantId)}/roles`, body),
  );

export const useDeleteRole = (tenantId: string) =>
  useDirectoryMutation((roleId: string) => del(`${t(tenantId)}/roles/${roleId}`));
