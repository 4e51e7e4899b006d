import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables as Kysely sees them (camelCase; the CamelCasePlugin maps to snake_case columns).
 * Every tenant table has `tenantId` first in its primary key and in its foreign keys, so the
 * schema stays distributable by tenant (Citus) and RLS can key on it.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | T, string | T>;
/** A JSON column with a database default: optional on insert. */
type JsonDefault<T = unknown> = ColumnType<T, string | T | undefined, string | T>;

export type TenantKind = 'provider' | 'customer';
export type TenantStatus = 'active' | 'suspended';

export interface TenantsTable {
  id: string;
  kind: TenantKind;
  parentId: string | null;
  name: string;
  slug: string;
  status: Generated<TenantStatus>;
  settings: Json<Record<string, unknown>>;
  defaultPermissions: ColumnType<string[], string[] | undefined, string[]>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type UserStatus = 'pending' | 'active' | 'suspended' | 'archived' | 'removed';
export type UserKind = 'internal' | 'external';

export interface UsersTable {
  tenantId: string;
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  username: string | null;
  status: UserStatus;
  kind: Generated<UserKind>;
  passwordHash: string | null;
  passwordChangedAt: Timestamp | null;
  phoneNumbers: JsonDefault<Array<{ type: string; number: string }>>;
  jobTitle: string | null;
  department: string | null;
  employeeId: string | null;
  hireDate: ColumnType<string | null, string | null | undefined, string | null>;
  leaveDate: ColumnType<string | null, string | null | undefined, string | null>;
  locale: string | null;
  timeZone: string | null;
  notificationPreferences: JsonDefault<Record<string, unknown>>;
  customAttributes: JsonDefault<Record<string, unknown>>;
  avatar: Buffer | null;
  avatarContentType: string | null;
  avatarUpdatedAt: Timestamp | null;
  source: 'scim' | 'ldap' | 'sso' | null;
  sourceAttributes: ColumnType<string[], string[] | undefined, string[]>;
  idpGroups: JsonDefault<unknown[]>;
  statusChangedAt: Timestamp | null;
  removedAt: Timestamp | null;
  failedSignIns: ColumnType<number, number | undefined, number>;
  ipRanges: ColumnType<string[], string[] | undefined, string[]>;
  failedWindowStartedAt: Timestamp | null;
  lockedUntil: Timestamp | null;
  mustChangePassword: ColumnType<boolean, boolean | undefined, boolean>;
  /** Set while a duration transfer keeps the user from signing in; lifts itself at that instant. */
  signInBlockedUntil: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** When the owner of `email` proved it by opening a link sent there; null until then. */
  emailVerifiedAt: Timestamp | null;
  /** Joined by invitation and has not finished the first-sign-in setup yet. */
  setupPending: ColumnType<boolean, boolean | undefined, boolean>;
  /** The identity provider's identifier for the user (SCIM `externalId`). */
  externalId: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface UserManagersTable {
  tenantId: string;
  userId: string;
  managerId: string;
  createdAt: Timestamp;
}

export interface UserSkillsTable {
  tenantId: string;
  id: string;
  userId: string;
  kind: 'skill' | 'certification';
  name: string;
  issuer: string | null;
  issuedOn: ColumnType<string | null, string | null | undefined, string | null>;
  expiresOn: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
}

export interface UserPermissionOverridesTable {
  tenantId: string;
  userId: string;
  permission: string;
  effect: 'grant' | 'deny';
  createdAt: Timestamp;
}

export type CustomerAccess = 'none' | 'all' | 'selected';

export interface RolesTable {
  tenantId: string;
  id: string;
  /** Stable key of a predefined role (`super_admin`, …); null for custom roles. */
  key: string | null;
  name: string;
  description: string;
  permissions: string[];
  customerAccess: Generated<CustomerAccess>;
  customerTenantIds: Generated<string[]>;
  ipRanges: Generated<string[]>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface UserRolesTable {
  tenantId: string;
  userId: string;
  roleId: string;
  createdAt: Timestamp;
}

export interface GroupsTable {
  tenantId: string;
  id: string;
  name: string;
  isDefault: Generated<boolean>;
  ownerId: string | null;
  roleId: string | null;
  defaultMemberId: string | null;
  /** Rule 4a: the directory that provisioned the group; its name and members change only there. */
  source: ColumnType<'scim' | 'ldap' | 'sso' | null, 'scim' | 'ldap' | 'sso' | null | undefined>;
  externalId: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface GroupMembersTable {
  tenantId: string;
  groupId: string;
  userId: string;
  createdAt: Timestamp;
}

/** `full`, or restricted to changing the password or enrolling a second factor first. */
export type SessionPurpose = 'full' | 'password_change' | 'mfa_enrolment';

export interface SessionsTable {
  tenantId: string;
  id: string;
  userId: string;
  tokenHash: string;
  ip: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  deviceType: string | null;
  purpose: ColumnType<SessionPurpose, SessionPurpose | undefined, SessionPurpose>;
  createdAt: Timestamp;
  lastSeenAt: Timestamp;
  expiresAt: Timestamp;
  revokedAt: Timestamp | null;
}

export interface ApiTokensTable {
  tenantId: string;
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  /** The first characters of the token, shown in lists so a user can tell tokens apart. */
  prefix: string;
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
  expiresAt: Timestamp | null;
  revokedAt: Timestamp | null;
}

export interface ScimTokensTable {
  tenantId: string;
  id: string;
  name: string;
  tokenHash: string;
  prefix: string;
  /** The creator's permissions when the token was made: what its group memberships may grant. */
  ceiling: string[];
  createdBy: string | null;
  createdByLabel: string | null;
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
  lastUsedIp: string | null;
  revokedAt: Timestamp | null;
}

export interface AuditEventsTable {
  tenantId: string;
  seq: string;
  id: string;
  occurredAt: Timestamp;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  actorTenantId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetLabel: string | null;
  before: Json | null;
  after: Json | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditChainHeadsTable {
  tenantId: string;
  seq: string;
  hash: string;
}

export interface PlatformSecretsTable {
  name: string;
  value: string;
  createdAt: Timestamp;
}

export interface PasswordHistoryTable {
  tenantId: string;
  id: string;
  userId: string;
  passwordHash: string;
  createdAt: Timestamp;
}

export interface MfaFactorsTable {
  tenantId: string;
  id: string;
  userId: string;
  kind: 'totp' | 'passkey';
  name: string;
  secretEnc: string | null;
  lastUsedStep: string | null;
  credentialId: string | null;
  publicKey: Buffer | null;
  signCount: string | null;
  transports: string[] | null;
  pendingChallenge: string | null;
  confirmedAt: Timestamp | null;
  lastUsedAt: Timestamp | null;
  createdAt: Timestamp;
}

export interface RecoveryCodesTable {
  tenantId: string;
  id: string;
  userId: string;
  codeHash: string;
  usedAt: Timestamp | null;
  createdAt: Timestamp;
}

export interface MfaChallengesTable {
  tenantId: string;
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  emailCodeHash: string | null;
  emailCodeExpiresAt: Timestamp | null;
  webauthnChallenge: string | null;
  completedAt: Timestamp | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: Timestamp;
}

export interface OutboxTable {
  tenantId: string;
  id: string;
  toAddress: string;
  toUserId: string | null;
  kind: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  status: 'queued' | 'sent' | 'failed' | 'kept' | 'suppressed';
  attempts: ColumnType<number, number | undefined, number>;
  lastError: string | null;
  createdAt: Timestamp;
  sentAt: Timestamp | null;
}

export interface PasswordResetTokensTable {
  tenantId: string;
  id: string;
  userId: string;
  tokenHash: string;
  /** The address the link went to: setting a password with it proves that mailbox (when it is still the user's). */
  sentTo: string | null;
  expiresAt: Timestamp;
  usedAt: Timestamp | null;
  createdAt: Timestamp;
}

export interface WebauthnChallengesTable {
  tenantId: string;
  id: string;
  challenge: string;
  expiresAt: Timestamp;
  usedAt: Timestamp | null;
  createdAt: Timestamp;
}

export interface LicensePoolsTable {
  tenantId: string;
  type: string;
  quantity: number;
  alertRaised: ColumnType<boolean, boolean | undefined, boolean>;
  updatedAt: Timestamp;
}

export interface LicenseAssignmentsTable {
  tenantId: string;
  type: string;
  userId: string;
  assignedAt: Timestamp;
  assignedBy: string | null;
}

export interface InvitationsTable {
  tenantId: string;
  id: string;
  userId: string;
  email: string;
  tokenHash: string;
  invitedBy: string | null;
  status: 'sent' | 'accepted' | 'cancelled' | 'replaced';
  expiresAt: Timestamp;
  createdAt: Timestamp;
  closedAt: Timestamp | null;
}

export interface ResourcesTable {
  tenantId: string;
  id: string;
  type: string;
  externalId: string;
  name: string;
  url: string | null;
  ownerId: string;
  createdBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type ShareLevel = 'view' | 'edit';

export interface ResourceSharesTable {
  tenantId: string;
  resourceId: string;
  userId: string;
  level: ShareLevel;
  sharedBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type TransferKind = 'one_time' | 'duration' | 'removal';
export type TransferStatus = 'scheduled' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface OwnershipTransfersTable {
  tenantId: string;
  id: string;
  kind: TransferKind;
  status: TransferStatus;
  userId: string;
  recipientId: string | null;
  startsAt: Timestamp;
  endsAt: Timestamp | null;
  timeZone: string;
  blockSignIn: ColumnType<boolean, boolean | undefined, boolean>;
  requestedBy: string | null;
  requestedByLabel: string;
  moved: JsonDefault<unknown[]>;
  outcome: Json | null;
  failureCode: string | null;
  failureDetail: string | null;
  createdAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  cancelledAt: Timestamp | null;
  cancelledByLabel: string | null;
}

export interface WebhookSecretsTable {
  tenantId: string;
  secretSealed: string;
  createdAt: Timestamp;
}

export interface WebhookEndpointsTable {
  tenantId: string;
  id: string;
  url: string;
  description: ColumnType<string, string | undefined, string>;
  events: string[];
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface WebhookDeliveriesTable {
  tenantId: string;
  id: string;
  endpointId: string | null;
  url: string;
  event: string;
  body: string;
  status: 'queued' | 'delivered' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Timestamp;
  deliveredAt: Timestamp | null;
}

export interface EmailVerificationsTable {
  tenantId: string;
  id: string;
  userId: string;
  email: string;
  tokenHash: string;
  status: 'sent' | 'verified' | 'replaced';
  expiresAt: Timestamp;
  createdAt: Timestamp;
  closedAt: Timestamp | null;
}

export type ImportStatus =
  | 'uploaded'
  | 'validating'
  | 'validated'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled';
export type ImportPhase = 'dry_run' | 'run';

export interface ImportsTable {
  tenantId: string;
  id: string;
  fileName: string;
  bytes: ColumnType<string, number | string, number | string>;
  hasBom: boolean;
  delimiter: string;
  recordCount: number;
  columnCount: number;
  preview: Json<string[][]>;
  status: ImportStatus;
  options: Json<Record<string, unknown> | null> | null;
  phase: ImportPhase | null;
  rowsTotal: Generated<number>;
  rowsDone: Generated<number>;
  createdCount: Generated<number>;
  updatedCount: Generated<number>;
  skippedCount: Generated<number>;
  failedCount: Generated<number>;
  cancelRequested: Generated<boolean>;
  error: Json<{ code: string; message: string } | null> | null;
  createdBy: string;
  actor: Json<Record<string, unknown>>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
}

export interface ImportChunksTable {
  tenantId: string;
  importId: string;
  seq: number;
  data: Buffer;
}

export interface ImportRowsTable {
  tenantId: string;
  importId: string;
  phase: ImportPhase;
  rowNumber: number;
  outcome: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  userId: string | null;
  login: string | null;
  code: string | null;
  message: string | null;
  /** Set when the row has several problems: [{ code, message }, …]. */
  problems: ColumnType<unknown, string | null | undefined, string | null>;
}

export interface FlowTemplatesTable {
  tenantId: string;
  id: string;
  name: string;
  description: string;
  event: string;
  timeZoneSource: 'tenant' | 'user';
  version: number;
  contentHash: string;
  ownerId: string | null;
  sourceTenantId: string | null;
  sourceTemplateId: string | null;
  sourceVersion: number | null;
  sourceContentHash: string | null;
  detachedFromTemplateId: string | null;
  archivedAt: Timestamp | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface FlowTemplateVersionsTable {
  tenantId: string;
  templateId: string;
  version: number;
  name: string;
  description: string;
  event: string;
  timeZoneSource: 'tenant' | 'user';
  steps: Json<unknown[]>;
  contentHash: string;
  createdAt: Timestamp;
  createdByLabel: string;
}

export type FlowRunStatus = 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface FlowRunsTable {
  tenantId: string;
  id: string;
  templateId: string;
  templateVersion: number;
  templateName: string;
  userId: string;
  event: string;
  eventDate: ColumnType<string, string, string>;
  timeZone: string;
  status: FlowRunStatus;
  trigger: 'manual' | 'event_date';
  initiatorUserId: string | null;
  initiatorTenantId: string | null;
  initiatorLabel: string;
  /**
   * What the run may grant or take away (rule 13): its initiator's permissions when it started (a
   * retrier's after a retry). Null for runs started before ceilings were recorded.
   */
  ceiling: string[] | null;
  nextPosition: number | null;
  nextDueAt: Timestamp | null;
  nextRemote: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  cancelledAt: Timestamp | null;
  cancelReason: string | null;
}

export type FlowStepStatus = 'pending' | 'done' | 'failed' | 'skipped' | 'cancelled';

export interface FlowRunStepsTable {
  tenantId: string;
  runId: string;
  position: number;
  action: string;
  label: string;
  params: Json<Record<string, unknown>>;
  timing: Json<Record<string, unknown>>;
  continueOnFailure: boolean;
  condition: Json<Record<string, unknown>> | null;
  dueAt: Timestamp;
  status: FlowStepStatus;
  attempts: ColumnType<number, number | undefined, number>;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  result: Json<Record<string, unknown>> | null;
  error: string | null;
  errorCode: string | null;
}

export interface FlowSettingsTable {
  tenantId: string;
  event: string;
  templateId: string;
  updatedAt: Timestamp;
}

export interface Database {
  resources: ResourcesTable;
  resourceShares: ResourceSharesTable;
  ownershipTransfers: OwnershipTransfersTable;
  webhookSecrets: WebhookSecretsTable;
  webhookEndpoints: WebhookEndpointsTable;
  webhookDeliveries: WebhookDeliveriesTable;
  flowTemplates: FlowTemplatesTable;
  flowTemplateVersions: FlowTemplateVersionsTable;
  flowRuns: FlowRunsTable;
  flowRunSteps: FlowRunStepsTable;
  flowSettings: FlowSettingsTable;
  emailVerifications: EmailVerificationsTable;
  imports: ImportsTable;
  importChunks: ImportChunksTable;
  importRows: ImportRowsTable;
  invitations: InvitationsTable;
  licensePools: LicensePoolsTable;
  licenseAssignments: LicenseAssignmentsTable;
  webauthnChallenges: WebauthnChallengesTable;
  outbox: OutboxTable;
  passwordResetTokens: PasswordResetTokensTable;
  mfaFactors: MfaFactorsTable;
  recoveryCodes: RecoveryCodesTable;
  mfaChallenges: MfaChallengesTable;
  passwordHistory: PasswordHistoryTable;
  tenants: TenantsTable;
  users: UsersTable;
  userManagers: UserManagersTable;
  userSkills: UserSkillsTable;
  userPermissionOverrides: UserPermissionOverridesTable;
  roles: RolesTable;
  userRoles: UserRolesTable;
  groups: GroupsTable;
  groupMembers: GroupMembersTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
  scimTokens: ScimTokensTable;
  auditEvents: AuditEventsTable;
  auditChainHeads: AuditChainHeadsTable;
  platformSecrets: PlatformSecretsTable;
}

export type Tenant = Selectable<TenantsTable>;
export type NewTenant = Insertable<TenantsTable>;
export type TenantUpdate = Updateable<TenantsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Role = Selectable<RolesTable>;
export type Session = Selectable<SessionsTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
