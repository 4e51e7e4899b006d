import { performance } from 'node:perf_hooks';
import { type AccessInputs, evaluatePermissions } from '../src/modules/access/evaluator.ts';
import { PREDEFINED_ROLES } from '../src/modules/access/permissions.catalog.ts';
import { fmt, percentile } from './harness.ts';

/**
 * The permission evaluator in process. A request evaluates once (from the inputs loaded with the
 * principal) and then checks against the cached set: both are measured. The baseline is a bare
 * `Set.has` over the same permission strings.
 */
export async function run(): Promise<void> {
  const role = (key: string) => PREDEFINED_ROLES.find((r) => r.key === key)!;
  const inputs: AccessInputs = {
    userKind: 'internal',
    tenantDefaults: ['flows.read'],
    directRoles: [
      { id: 'r1', name: 'Help Desk', permissions: role('help_desk').permissions },
      { id: 'r2', name: 'Technician', permissions: role('technician').permissions },
    ],
    groupRoles: [
      {
        roleId: 'r3',
        roleName: 'Tenant Admin',
        groupId: 'g1',
        groupName: 'Admins',
        permissions: role('tenant_admin').permissions,
      },
    ],
    overrides: [
      { permission: 'users.archive', effect: 'deny' },
      { permission: 'reports.read', effect: 'grant' },
    ],
  };

  // evaluation, once per request
  const evalTimes: number[] = [];
  for (let i = 0; i < 200_000; i++) {
    const start = performance.now();
    evaluatePermissions(inputs);
    if (i >= 10_000) evalTimes.push(performance.now() - start);
  }
  evalTimes.sort((a, b) => a - b);

  // checks against the cached result
  const { granted } = evaluatePermissions(inputs);
  const probes = [
    'users.read',
    'users.archive',
    'roles.manage',
    'settings.manage',
    'flows.run',
    'audit.read',
    'reports.read',
    'tenants.manage',
  ];
  const plain = new Set(granted);
  const runChecks = (check: (p: string) => boolean, n: number) => {
    let hits = 0;
    const start = performance.now();
    for (let i = 0; i < n; i++) if (check(probes[i & 7]!)) hits++;
    return { ms: performance.now() - start, hits };
  };
  const N = 20_000_000;
  runChecks((p) => granted.has(p), 1_000_000);
  runChecks((p) => plain.has(p), 1_000_000);
  const cached = runChecks((p) => granted.has(p), N);
  const baseline = runChecks((p) => plain.has(p), N);
  // per-check latency in batches of 1 000, for a p99 that timer resolution can see
  const batch: number[] = [];
  for (let i = 0; i < 5_000; i++) {
    const start = performance.now();
    for (let j = 0; j < 1_000; j++) granted.has(probes[j & 7]!);
    batch.push((performance.now() - start) / 1_000);
  }
  batch.sort((a, b) => a - b);
  console.log(
    `evaluate (2 roles + group role + overrides)  p50 ${fmt(percentile(evalTimes, 50) * 1000, 2)} µs  p99 ${fmt(percentile(evalTimes, 99) * 1000, 2)} µs`,
  );
  console.log(
    `permission checks (cached per request)       ${fmt(N / cached.ms / 1000, 1)} M checks/s  p99 ${fmt(percentile(batch, 99) * 1e6, 1)} ns/check`,
  );
  console.log(
    `baseline: bare Set.has                       ${fmt(N / baseline.ms / 1000, 1)} M checks/s  ratio ${fmt(baseline.ms / cached.ms, 2)}×`,
  );
}
