import { withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { authorize } from '../access/authorize.ts';
import * as usersRepo from '../users/users.repository.ts';
import type { ListUsersQuery } from '../users/users.schemas.ts';
import { type Caller, userFilterOf } from '../users/users.service.ts';
import { EXPORT_COLUMNS, type ExportColumn } from './imports.schemas.ts';

/**
 * The users list as CSV: the same filters, data scope and sort as the list, every page of it, read
 * in keyset pages so a tenant of any size streams in constant memory. Checked before the first
 * byte, so a refusal is still a problem+json answer.
 */
const PAGE = 1000;

export const EXPORT_HEADERS: Record<ExportColumn, string> = {
  id: 'id',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  username: 'username',
  status: 'status',
  kind: 'type',
  jobTitle: 'job_title',
  department: 'department',
  employeeId: 'employee_id',
  hireDate: 'hire_date',
  leaveDate: 'leave_date',
  locale: 'locale',
  timeZone: 'time_zone',
  phoneNumbers: 'phone_numbers',
  roles: 'roles',
  groups: 'groups',
  licensed: 'licensed',
  source: 'source',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export const DEFAULT_EXPORT_COLUMNS: ExportColumn[] = [
  'firstName',
  'lastName',
  'email',
  'username',
  'status',
  'jobTitle',
  'department',
  'roles',
  'groups',
];

export function parseExportColumns(value: string | undefined): ExportColumn[] | null {
  if (!value) return DEFAULT_EXPORT_COLUMNS;
  const cols = value
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (cols.length === 0 || cols.some((c) => !(EXPORT_COLUMNS as readonly string[]).includes(c))) return null;
  return [...new Set(cols)] as ExportColumn[];
}

export function exportUsers(
  platform: Platform,
  caller: Caller,
  query: Omit<ListUsersQuery, 'limit' | 'cursor'>,
  columns: ExportColumn[],
): AsyncGenerator<string[]> {
  authorize(caller.principal, 'users.read');
  authorize(caller.principal, 'imports.run');
  const tenantId = caller.ctx.tenantId;
  const filter = userFilterOf(caller, query);
  const [sort, direction] = (query.sort ?? 'lastName:asc').split(':') as [
    usersRepo.SortField,
    'asc' | 'desc' | undefined,
  ];
  const needRoles = columns.includes('roles');
  const needGroups = columns.includes('groups');
  const needLicence = columns.includes('licensed');
  const separator = '; ';
  return (async function* () {
    yield columns.map((c) => EXPORT_HEADERS[c]);
    let after: [string, string] | null = null;
    for (;;) {
      const page = await withTenantTx(platform.db, tenantId, async (tx) => {
        const rows = await usersRepo.listUsers(tx, tenantId, filter, {
          sort,
          direction: direction ?? 'asc',
          after,
          limit: PAGE,
        });
        const ids = rows.map((r) => r.id);
        const [roles, groups, licensed] = await Promise.all([
          needRoles ? usersRepo.rolesOfUsers(tx, tenantId, ids) : [],
          needGroups ? usersRepo.groupsOfUsers(tx, tenantId, ids) : [],
          needLicence ? usersRepo.licensedUsers(tx, tenantId, ids) : new Set<string>(),
        ]);
        return { rows, roles: namesBy(roles), groups: namesBy(groups), licensed };
      });
      for (const u of page.rows) {
        yield columns.map((c) => {
          switch (c) {
            case 'roles':
              return (page.roles.get(u.id) ?? []).join(separator);
            case 'groups':
              return (page.groups.get(u.id) ?? []).join(separator);
            case 'licensed':
              return page.licensed.has(u.id) ? 'yes' : 'no';
            case 'phoneNumbers':
              return (u.phoneNumbers ?? []).map((p) => `${p.type}: ${p.number}`).join(separator);
            case 'createdAt':
            case 'updatedAt':
              return new Date(u[c]).toISOString();
            default:
              return (u[c] as string | null) ?? '';
          }
        });
      }
      if (page.rows.length < PAGE) return;
      const last = page.rows[page.rows.length - 1]!;
      after = [last.sortValue, last.id];
    }
  })();
}

function namesBy(rows: Array<{ userId: string; name: string }>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of rows) {
    const list = map.get(r.userId);
    if (list) list.push(r.name);
    else map.set(r.userId, [r.name]);
  }
  return map;
}
