import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccessInputs, beyondCeiling, evaluatePermissions } from '../../src/modules/access/evaluator.ts';
import { EXTERNAL_CEILING, PERMISSION_CATALOG } from '../../src/modules/access/permissions.catalog.ts';

const permission = fc.constantFrom(...PERMISSION_CATALOG.map((p) => p.key));
const perms = fc.uniqueArray(permission, { maxLength: 12 });
const inputs: fc.Arbitrary<AccessInputs> = fc.record({
  userKind: fc.constantFrom('internal' as const, 'external' as const),
  tenantDefaults: perms,
  directRoles: fc.array(fc.record({ id: fc.uuid(), name: fc.string(), permissions: perms }), {
    maxLength: 4,
  }),
  groupRoles: fc.array(
    fc.record({
      roleId: fc.uuid(),
      roleName: fc.string(),
      groupId: fc.uuid(),
      groupName: fc.string(),
      permissions: perms,
    }),
    { maxLength: 4 },
  ),
  overrides: fc.uniqueArray(
    fc.record({ permission, effect: fc.constantFrom('grant' as const, 'deny' as const) }),
    {
      selector: (o) => o.permission,
      maxLength: 8,
    },
  ),
});

function unionOf(i: AccessInputs): Set<string> {
  return new Set([
    ...i.tenantDefaults,
    ...i.directRoles.flatMap((r) => r.permissions),
    ...i.groupRoles.flatMap((r) => r.permissions),
    ...i.overrides.filter((o) => o.effect === 'grant').map((o) => o.permission),
  ]);
}

describe('permission evaluator (properties)', () => {
  it('a deny override always wins', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const result = evaluatePermissions(i);
        for (const o of i.overrides)
          if (o.effect === 'deny') expect(result.granted.has(o.permission)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('effective permissions are exactly (defaults ∪ direct ∪ group ∪ grants) − denies, ∩ the external ceiling for externals', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const denies = new Set(i.overrides.filter((o) => o.effect === 'deny').map((o) => o.permission));
        const expected = [...unionOf(i)].filter(
          (p) => !denies.has(p) && (i.userKind === 'internal' || EXTERNAL_CEILING.has(p)),
        );
        expect([...evaluatePermissions(i).granted].sort()).toEqual(expected.sort());
      }),
      { numRuns: 500 },
    );
  });

  it('every granted permission names at least one source, and every source really offers it', () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const result = evaluatePermissions(i);
        for (const p of result.granted) {
          const sources = result.sources.get(p)!;
          expect(sources.length).toBeGreaterThan(0);
          for (const s of sources) {
            if (s.type === 'tenant_default') expect(i.tenantDefaults).toContain(p);
            if (s.type === 'role')
              expect(i.directRoles.find((r) => r.id === s.roleId)!.permissions).toContain(p);
            if (s.type === 'group_role')
              expect(
                i.groupRoles.find((r) => r.groupId === s.groupId && r.roleId === s.roleId)!.permissions,
              ).toContain(p);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the ceiling never lets a grantor produce a permission they lack', () => {
    fc.assert(
      fc.property(perms, perms, (grantorHeld, wanted) => {
        const grantor = new Set(grantorHeld);
        const missing = beyondCeiling(grantor, wanted);
        const allowed = wanted.filter((p) => !missing.includes(p));
        // what passes the ceiling is a subset of what the grantor holds …
        for (const p of allowed) expect(grantor.has(p)).toBe(true);
        // … and the check passes exactly when nothing is missing
        expect(missing.length === 0).toBe(wanted.every((p) => grantor.has(p)));
      }),
      { numRuns: 500 },
    );
  });

  it('granting a role within the ceiling never gives the grantee more than the grantor holds from that role', () => {
    fc.assert(
      fc.property(inputs, perms, (grantee, grantorHeld) => {
        const grantor = new Set(grantorHeld);
        const role = {
          id: '00000000-0000-7000-8000-000000000001',
          name: 'granted',
          permissions: grantorHeld.slice(0, 5),
        };
        if (beyondCeiling(grantor, role.permissions).length > 0) return;
        const before = evaluatePermissions(grantee).granted;
        const after = evaluatePermissions({
          ...grantee,
          directRoles: [...grantee.directRoles, role],
        }).granted;
        for (const p of after) if (!before.has(p)) expect(grantor.has(p)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
