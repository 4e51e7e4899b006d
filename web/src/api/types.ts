export type TenantKind = 'provider' | 'customer';

export interface Tenant {
  id: string;
  kind: TenantKind;
  parentId: string | null;
  name: string;
  slug: string;
  status: 'active' | 'suspended';
  settings: {
    timeZone?: string;
    locale?: string;
    session?: { idleMinutes?: number; absoluteHours?: number };
  };
  createdAt: string;
  updatedAt: string;
}

export interface Me {
  user: {
    id: string;
    tenantId: string;
    firstName: string;
    lastName: string;
    email: string | null;
    username: string | null;
    initials: string;
    status: string;
    emailVerified: boolean;
  };
  tenant: { id: string; kind: TenantKind; parentId: string | null; name: string; slug: string };
  permissions: string[];
  customerAccess: string;
  passwordChangeRequired: boolean;
  mfaEnrolmentRequired: boolean;
  /** Joined by invitation and not through the first-sign-in setup yet. */
  setupRequired: boolean;
}

export interface NotificationPreferences {
  email?: boolean;
  flowTasks?: boolean;
  securityAlerts?: boolean;
  digest?: 'none' | 'daily' | 'weekly';
}

export interface OwnProfile {
  id: string;
  tenantId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  emailVerified: boolean;
  username: string | null;
  phoneNumbers: Array<{ type: string; number: string }>;
  locale: string | null;
  timeZone: string | null;
  notificationPreferences: NotificationPreferences;
  initials: string;
  avatarUrl: string;
  hasAvatar: boolean;
  source: string | null;
  sourceAttributes: string[];
  setupPending: boolean;
  tenantTimeZone: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface AuditEvent {
  id: string;
  seq: string;
  occurredAt: string;
  actor: { type: string; id: string | null; label: string | null };
  action: string;
  target: { type: string | null; id: string | null; label: string | null };
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface ChainStatus {
  ok: boolean;
  checked: number;
  brokenAt: null | { seq: string; id: string; reason: string };
}

export type UserStatus = 'pending' | 'active' | 'suspended' | 'archived' | 'removed';

export interface RoleRef {
  id: string;
  name: string;
  key: string | null;
}
export interface GroupRef {
  id: string;
  name: string;
  isDefault: boolean;
}

export interface UserSummary {
  id: string;
  tenantId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  username: string | null;
  status: UserStatus;
  kind: 'internal' | 'external';
  jobTitle: string | null;
  department: string | null;
  initials: string;
  avatarUrl: string;
  source: string | null;
  licensed: boolean;
  roles: RoleRef[];
  groups: GroupRef[];
  /** A pending ownership transfer or scheduled removal: the clock marker. */
  pendingChange?: PendingChange | null;
  sharedCount?: number;
  createdAt: string;
}

export interface PendingChange {
  id: string;
  kind: 'one_time' | 'duration' | 'removal';
  status: 'scheduled' | 'active';
  startsAt: string;
  endsAt: string | null;
  blockSignIn: boolean;
  timeZone: string;
  recipient: { id: string; name: string } | null;
}

export interface Person {
  id: string;
  firstName: string;
  lastName: string;
  email: string | null;
  status: string;
  initials: string;
}

export interface UserDetail extends UserSummary {
  phoneNumbers: Array<{ type: string; number: string }>;
  employeeId: string | null;
  hireDate: string | null;
  leaveDate: string | null;
  locale: string | null;
  timeZone: string | null;
  customAttributes: Record<string, unknown>;
  hasAvatar: boolean;
  emailVerified: boolean;
  sourceAttributes: string[];
  idpGroups: Array<{ id?: string; name?: string }>;
  managers: Person[];
  managedUsersCount: number;
  signInBlockedUntil?: string | null;
}

export interface UserPage extends Page<UserSummary> {
  total: number;
  counts: { active: number; pending: number; suspended: number; archived: number; all: number };
}

export interface Group {
  id: string;
  name: string;
  isDefault: boolean;
  role: { id: string; name: string } | null;
  defaultMember: { id: string; firstName: string; lastName: string; initials: string } | null;
  owner: { id: string; firstName: string; lastName: string } | null;
  memberCount: number;
  source: string | null;
}

export interface Role {
  id: string;
  key: string | null;
  name: string;
  description: string;
  predefined: boolean;
  permissions: string[];
  customerAccess: 'none' | 'all' | 'selected';
  userCount: number;
  groupCount: number;
}

export interface PermissionDefinition {
  key: string;
  module: string;
  label: string;
  description: string;
  external: boolean;
}

export interface PermissionSource {
  type: string;
  label: string;
  roleName?: string;
  groupName?: string;
}
export interface PermissionsExplained {
  permissions: Array<{ permission: string; sources: PermissionSource[] }>;
  denied: Array<{ permission: string; sources: PermissionSource[] }>;
  cappedByExternalCeiling: Array<{ permission: string; sources: PermissionSource[] }>;
  overrides: Array<{ permission: string; effect: string }>;
}

export interface Skill {
  id: string;
  kind: 'skill' | 'certification';
  name: string;
  issuer: string | null;
  issuedOn: string | null;
  expiresOn: string | null;
  expired: boolean;
  expiresInDays: number | null;
}

export interface BulkResult {
  results: Array<{
    id: string;
    ok: boolean;
    changed?: boolean;
    endedSessions?: number;
    code?: string;
    detail?: string;
  }>;
  succeeded: number;
  failed: number;
}
