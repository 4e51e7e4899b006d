import { EXTERNAL_CEILING, PERMISSION_KEYS } from './permissions.catalog.ts';

/**
 * The one place effective permissions are computed (DESIGN rule 11):
 *
 *   effective = (tenant defaults ∪ direct roles ∪ group roles ∪ granted overrides) − denied overrides
 *
 * and, for an external user, ∩ the external ceiling. Every permission carries the sources it came
 * from, so "why can Ann suspend users?" has an answer. Pure and synchronous: the inputs are loaded
 * once per request, the result is cached on the principal.
 */
export type PermissionSource =
  | { type: 'tenant_default' }
  | { type: 'role'; roleId: string; roleName: string }
  | { type: 'group_role'; roleId: string; roleName: string; groupId: string; groupName: string }
  | { type: 'override'; effect: 'grant' | 'deny' };

export interface AccessInputs {
  userKind: 'internal' | 'external';
  tenantDefaults: readonly string[];
  directRoles: ReadonlyArray<{ id: string; name: string; permissions: readonly string[] }>;
  groupRoles: ReadonlyArray<{
    roleId: string;
    roleName: string;
    groupId: string;
    groupName: string;
    permissions: readonly string[];
  }>;
  overrides: ReadonlyArray<{ permission: string; effect: 'grant' | 'deny' }>;
}

export interface EffectivePermissions {
  /** What the user may do. */
  granted: ReadonlySet<string>;
  /** Why: the sources of every granted permission. */
  sources: ReadonlyMap<string, PermissionSource[]>;
  /** Permissions some source gives but a deny override takes away. */
  denied: ReadonlyMap<string, PermissionSource[]>;
  /** Permissions some source gives an external user that the external ceiling takes away. */
  capped: ReadonlyMap<string, PermissionSource[]>;
}

export function evaluatePermissions(inputs: AccessInputs): EffectivePermissions {
  const offered = new Map<string, PermissionSource[]>();
  const offer = (permission: string, source: PermissionSource) => {
    // a permission that left the catalog grants nothing, wherever it is still stored
    if (!PERMISSION_KEYS.has(permission)) return;
    const list = offered.get(permission);
    if (list) list.push(source);
    else offered.set(permission, [source]);
  };
  for (const p of inputs.tenantDefaults) offer(p, { type: 'tenant_default' });
  for (const r of inputs.directRoles)
    for (const p of r.permissions) offer(p, { type: 'role', roleId: r.id, roleName: r.name });
  for (const g of inputs.groupRoles) {
    for (const p of g.permissions) {
      offer(p, {
        type: 'group_role',
        roleId: g.roleId,
        roleName: g.roleName,
        groupId: g.groupId,
        groupName: g.groupName,
      });
    }
  }
  const denies = new Set<string>();
  for (const o of inputs.overrides) {
    if (o.effect === 'grant') offer(o.permission, { type: 'override', effect: 'grant' });
    else denies.add(o.permission);
  }

  const granted = new Set<string>();
  const sources = new Map<string, PermissionSource[]>();
  const denied = new Map<string, PermissionSource[]>();
  const capped = new Map<string, PermissionSource[]>();
  for (const [permission, from] of offered) {
    if (denies.has(permission)) denied.set(permission, [...from, { type: 'override', effect: 'deny' }]);
    else if (inputs.userKind === 'external' && !EXTERNAL_CEILING.has(permission))
      capped.set(permission, from);
    else {
      granted.add(permission);
      sources.set(permission, from);
    }
  }
  return { granted, sources, denied, capped };
}

/** Rule 13, the privilege ceiling: the permissions in `wanted` that `grantor` does not hold. */
export function beyondCeiling(grantor: ReadonlySet<string>, wanted: Iterable<string>): string[] {
  const missing: string[] = [];
  for (const p of wanted) if (!grantor.has(p)) missing.push(p);
  return [...new Set(missing)].sort();
}
