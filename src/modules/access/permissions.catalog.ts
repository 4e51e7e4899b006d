/**
 * The one permission catalog (DESIGN rule 9). A permission is `module.action`; nothing outside this
 * list can be granted. Data scopes say which users a holder may act on; `*.read` alone never lets
 * anyone change anything.
 */
export interface PermissionDefinition {
  key: string;
  module: string;
  label: string;
  description: string;
  /** May be held by an `external` (portal) user at all: the hard ceiling on external users. */
  external?: boolean;
}

const p = (key: string, label: string, description: string, external = false): PermissionDefinition => ({
  key,
  module: key.split('.')[0]!,
  label,
  description,
  external,
});

export const PERMISSION_CATALOG: readonly PermissionDefinition[] = [
  // module access
  p('console.access', 'Use the console', 'Sign in to the administration console.'),
  p('portal.access', 'Use the portal', 'Sign in to the self-service portal.', true),
  // tenants (a provider's customers)
  p('tenants.read', 'View tenants', 'See the tenant and, in a provider, its customer tenants.'),
  p('tenants.manage', 'Manage tenants', 'Create customer tenants and change tenant settings.'),
  // users
  p('users.read', 'View users', 'See users and their profiles.'),
  p('users.create', 'Create users', 'Create users directly.'),
  p('users.update', 'Edit users', 'Change users’ profile fields.'),
  p('users.suspend', 'Suspend users', 'Suspend and reactivate users.'),
  p('users.archive', 'Archive users', 'Archive users (permanent).'),
  p('users.remove', 'Remove users', 'Remove users from the tenant.'),
  p('users.sessions', 'Manage sessions', 'List and end other users’ sessions and tokens.'),
  p('users.passwords', 'Reset passwords', 'Force password changes and send reset links.'),
  // data scopes: which users the holder may act on
  p('users.scope.all', 'All users', 'Act on every user of the tenant.'),
  p('users.scope.department', 'Own department', 'Act on users of the holder’s department.'),
  p('users.scope.managed', 'Managed users', 'Act on the holder’s direct reports.'),
  p('users.scope.self', 'Self', 'Act on one’s own account.', true),
  // groups, roles
  p('groups.read', 'View groups', 'See groups and their members.'),
  p(
    'groups.manage',
    'Manage groups',
    'Create, rename and delete groups; change members, group role and default member.',
  ),
  p('roles.read', 'View roles', 'See roles and permissions.'),
  p('roles.manage', 'Manage roles', 'Create and edit custom roles; assign roles and overrides.'),
  // invitations, licences, ownership
  p('invitations.send', 'Invite users', 'Invite users and resend or cancel invitations.'),
  p('licenses.read', 'View licences', 'See licence pools and assignments.'),
  p('licenses.assign', 'Assign licences', 'Assign and unassign licence seats.'),
  p('licenses.manage', 'Manage licence pools', 'Change licence pool quantities.'),
  p('ownership.transfer', 'Transfer ownership', 'Transfer a user’s ownerships to another member.'),
  p('resources.read', 'View resources', 'See owned resources, their owners and who they are shared with.'),
  p(
    'resources.manage',
    'Manage resources',
    'Register integration resources, change owners, share and stop sharing.',
  ),
  // user flows
  p('flows.read', 'View flows', 'See flow templates and runs.', true),
  p('flows.templates.manage', 'Manage flow templates', 'Create, edit and publish flow templates.'),
  p('flows.run', 'Run flows', 'Start, reschedule and cancel flow runs.', true),
  p('flows.tasks', 'Own tasks', 'See and complete one’s own flow tasks.', true),
  // directory
  p('imports.run', 'Import users', 'Import users from CSV and export the users list.'),
  p('directory.manage', 'Manage directory sync', 'Configure SCIM tokens, LDAP and SSO connections.'),
  // audit, reports, settings
  p('audit.read', 'View audit log', 'Read the audit log and verify its chain.'),
  p('reports.read', 'View reports', 'See user, licence and activity reports.'),
  p('settings.manage', 'Manage settings', 'Change security policies and tenant settings.'),
];

export const PERMISSION_KEYS: ReadonlySet<string> = new Set(PERMISSION_CATALOG.map((d) => d.key));
export const EXTERNAL_CEILING: ReadonlySet<string> = new Set(
  PERMISSION_CATALOG.filter((d) => d.external).map((d) => d.key),
);
const ALL = PERMISSION_CATALOG.map((d) => d.key);

export interface PredefinedRole {
  key: string;
  name: string;
  description: string;
  permissions: readonly string[];
  /** Provider roles only: which customer tenants the holder may act in. */
  customerAccess: 'none' | 'all';
  providerOnly?: boolean;
}

const without = (...excluded: string[]) => ALL.filter((k) => !excluded.includes(k));

/** DESIGN rule 10: created with every tenant; MSP Admin only in providers. */
export const PREDEFINED_ROLES: readonly PredefinedRole[] = [
  {
    key: 'super_admin',
    name: 'Super Admin',
    description: 'Every permission, including security settings. At least one must stay active.',
    permissions: ALL,
    customerAccess: 'all',
  },
  {
    key: 'msp_admin',
    name: 'MSP Admin',
    description: 'Runs the customers of the MSP: templates, publishing, users of every customer.',
    permissions: without('settings.manage'),
    customerAccess: 'all',
    providerOnly: true,
  },
  {
    key: 'tenant_admin',
    name: 'Tenant Admin',
    description: 'Administers this tenant’s users, groups, roles and licences.',
    permissions: without('tenants.manage', 'directory.manage'),
    customerAccess: 'none',
  },
  {
    key: 'help_desk',
    name: 'Help Desk',
    description: 'Looks after users day to day: suspends, resets passwords, runs flows.',
    permissions: [
      'console.access',
      'tenants.read',
      'users.read',
      'users.update',
      'users.suspend',
      'users.sessions',
      'users.passwords',
      'users.scope.all',
      'groups.read',
      'roles.read',
      'invitations.send',
      'licenses.read',
      'flows.read',
      'flows.run',
      'audit.read',
    ],
    customerAccess: 'none',
  },
  {
    key: 'technician',
    name: 'Technician',
    description: 'Reads the directory and runs flows for the users they manage.',
    permissions: [
      'console.access',
      'users.read',
      'users.scope.managed',
      'users.scope.self',
      'groups.read',
      'roles.read',
      'flows.read',
      'flows.run',
      'flows.tasks',
    ],
    customerAccess: 'none',
  },
  {
    key: 'user',
    name: 'User',
    description: 'A regular member: their own profile and tasks.',
    permissions: ['console.access', 'portal.access', 'users.scope.self', 'flows.tasks'],
    customerAccess: 'none',
  },
  {
    key: 'external_user',
    name: 'External User',
    description: 'A portal or guest user: sees and starts flows, sees own tasks.',
    permissions: ['portal.access', 'users.scope.self', 'flows.read', 'flows.run', 'flows.tasks'],
    customerAccess: 'none',
  },
];

export function predefinedRolesFor(kind: 'provider' | 'customer'): PredefinedRole[] {
  return PREDEFINED_ROLES.filter((r) => kind === 'provider' || !r.providerOnly).map((r) =>
    // Customer tenants have no customers of their own.
    kind === 'customer' ? { ...r, customerAccess: 'none' as const } : r,
  );
}
