import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/platform/clock.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn } from '../helpers/fixtures.ts';

/** Rules 20, 22 and 24: templates, versions, the preview timeline across DST, publishing, permissions. */
let t: TestApp;
let acme: string;
let beta: string;
let ann: { id: string };
const tpl = (tenant: string, path = '') => `/api/v1/tenants/${tenant}/flow-templates${path}`;
const runs = (tenant: string, path = '') => `/api/v1/tenants/${tenant}/flow-runs${path}`;

const offboarding = {
  name: 'Standard offboarding',
  description: 'What happens when someone leaves',
  steps: [
    {
      action: 'send_email',
      when: { offsetDays: -7, timeOfDay: '09:00' },
      params: {
        to: 'managers',
        subject: '{{fullName}} leaves on {{leaveDate}}',
        body: 'Hello,\n\n{{firstName}} leaves {{tenantName}} on {{eventDate}}.',
      },
    },
    { action: 'suspend', when: { offsetDays: 0, timeOfDay: '17:00' } },
    { action: 'remove_groups', when: { offsetDays: 0, timeOfDay: '17:05' } },
    {
      action: 'archive',
      when: { offsetDays: 30, timeOfDay: '09:00' },
      condition: { type: 'user_status', statuses: ['suspended'] },
    },
  ],
};

beforeAll(async () => {
  // the clock is injected: it is 1 March 2027, noon UTC, for the whole file
  t = await createTestApp({ clock: new TestClock(new Date('2027-03-01T12:00:00Z')) });
  const create = async (name: string, slug: string) =>
    (await t.admin.post('/api/v1/tenants', { name, slug, settings: { timeZone: 'Europe/Berlin' } })).json()
      .id as string;
  acme = await create('Acme', 'acme-flows');
  beta = await create('Beta', 'beta-flows');
  const groupIds = [];
  for (const name of ['Sales', 'VPN', 'Finance'])
    groupIds.push((await t.admin.post(`/api/v1/tenants/${acme}/groups`, { name })).json().id);
  const defaultGroup = (await t.admin.get(`/api/v1/tenants/${acme}/groups`))
    .json()
    .items.find((g: { isDefault: boolean }) => g.isDefault).id;
  ann = await apiCreateUser(t.admin, acme, {
    firstName: 'Ann',
    lastName: 'Archer',
    email: 'ann@acme.test',
    groupIds: [defaultGroup, ...groupIds],
  });
});
afterAll(async () => {
  await t?.close();
});

describe('rule 20: templates and their steps', () => {
  it('checks every step: known action, valid parameters, steps in time order', async () => {
    const unknown = await t.admin.post(tpl(acme), {
      name: 'X',
      steps: [{ action: 'teleport', when: { offsetDays: 0, timeOfDay: '09:00' } }],
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('flow_template.unknown_action');
    const invalid = await t.admin.post(tpl(acme), {
      name: 'X',
      steps: [
        {
          action: 'send_email',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { to: 'address', subject: 'Hi {{nickname}}', body: 'x' },
        },
        {
          action: 'webhook',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { url: 'ftp://example.test' },
        },
      ],
    });
    expect(invalid.json().code).toBe('flow_template.invalid_step');
    const fields = invalid.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'body/steps/0/params/address',
        'body/steps/0/params/subject',
        'body/steps/1/params/url',
      ]),
    );
    const order = await t.admin.post(tpl(acme), {
      name: 'X',
      steps: [
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '17:00' } },
        { action: 'revoke_access', when: { offsetDays: 0, timeOfDay: '09:00' } },
      ],
    });
    expect(order.json()).toMatchObject({
      code: 'flow_template.step_out_of_order',
      errors: [{ field: 'body/steps/1/when' }],
    });
    const badTime = await t.admin.post(tpl(acme), {
      name: 'X',
      steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '25:00' } }],
    });
    expect(badTime.json().code).toBe('request.invalid');
    const badExact = await t.admin.post(tpl(acme), {
      name: 'X',
      steps: [{ action: 'suspend', when: { at: '2026-02-30T09:00' } }],
    });
    expect(badExact.json().code).toBe('flow_template.invalid_step');
  });

  it('keeps versions: a change is a new version, the same content is not', async () => {
    const created = await t.admin.post(tpl(acme), offboarding);
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      version: 1,
      event: 'offboarding',
      stepCount: 4,
      source: null,
      locallyEdited: false,
    });
    expect(body.steps.map((s: { whenLabel: string }) => s.whenLabel)).toEqual([
      '-7 d 09:00',
      '0 d 17:00',
      '0 d 17:05',
      '+30 d 09:00',
    ]);
    expect(body.steps[1]).toMatchObject({
      action: 'suspend',
      label: 'Suspend sign-in',
      continueOnFailure: false,
    });
    const changed = await t.admin.patch(tpl(acme, `/${body.id}`), { steps: offboarding.steps.slice(1) });
    expect(changed.json()).toMatchObject({ version: 2, stepCount: 3 });
    const same = await t.admin.patch(tpl(acme, `/${body.id}`), { steps: offboarding.steps.slice(1) });
    expect(same.json().version).toBe(2);
    expect(same.json().versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const archived = await t.admin.delete(tpl(acme, `/${body.id}`));
    expect(archived.json().archivedAt).not.toBeNull();
    expect((await t.admin.patch(tpl(acme, `/${body.id}`), { name: 'Again' })).json().code).toBe(
      'flow_template.archived',
    );
    const listed = (await t.admin.get(tpl(acme))).json().items.map((i: { id: string }) => i.id);
    expect(listed).not.toContain(body.id);
    expect((await t.admin.get(tpl(acme, '/0190c8a0-0000-7000-8000-000000000000'))).json().code).toBe(
      'flow_template.not_found',
    );
  });
});

describe('rule 21: the action catalog', () => {
  it('lists every action with its parameters’ schema; bad input gets a clear error', async () => {
    const catalog = (await t.admin.get('/api/v1/flow-actions')).json();
    expect(catalog.items.map((a: { type: string }) => a.type)).toEqual([
      'suspend',
      'revoke_access',
      'reset_password',
      'remove_groups',
      'remove_roles',
      'unassign_licenses',
      'transfer_ownerships',
      'set_attribute',
      'send_email',
      'webhook',
      'archive',
      'remove',
    ]);
    const webhook = catalog.items.find((a: { type: string }) => a.type === 'webhook');
    expect(webhook).toMatchObject({ remote: true, permission: 'users.read', params: { type: 'object' } });
    expect(catalog.emailVariables).toContain('leaveDate');
    const extra = await t.admin.post(tpl(acme), {
      name: 'X',
      colour: 'red',
      steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' } }],
    });
    expect(extra.json().code).toBe('request.invalid');
    const badParam = await t.admin.post(tpl(acme), {
      name: 'X',
      steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' }, params: { force: true } }],
    });
    expect(badParam.json()).toMatchObject({
      code: 'flow_template.invalid_step',
      errors: [{ field: 'body/steps/0/params/force' }],
    });
    expect((await t.admin.get(tpl(acme, '/not-a-uuid'))).json().code).toBe('request.invalid');
    expect((await t.admin.post(tpl(acme), { name: 'X', steps: [] })).json().code).toBe('request.invalid');
  });
});

describe('rule 23: the preview timeline', () => {
  it('gives each step its instant in UTC and in the tenant’s zone, and what it will do to this user', async () => {
    const id = (await t.admin.post(tpl(acme), offboarding)).json().id;
    const res = await t.admin.post(runs(acme), {
      templateId: id,
      userId: ann.id,
      eventDate: '2027-04-15',
      dryRun: true,
    });
    expect(res.statusCode, res.body).toBe(200);
    const preview = res.json();
    expect(preview).toMatchObject({ dryRun: true, timeZone: 'Europe/Berlin', user: { firstName: 'Ann' } });
    expect(
      preview.timeline.map((s: { dueAt: string; dueLocal: string; utcOffset: string }) => [
        s.dueAt,
        s.dueLocal,
        s.utcOffset,
      ]),
    ).toEqual([
      ['2027-04-08T07:00:00.000Z', '2027-04-08 09:00', '+02:00'],
      ['2027-04-15T15:00:00.000Z', '2027-04-15 17:00', '+02:00'],
      ['2027-04-15T15:05:00.000Z', '2027-04-15 17:05', '+02:00'],
      ['2027-05-15T07:00:00.000Z', '2027-05-15 09:00', '+02:00'],
    ]);
    expect(preview.timeline[2].description).toBe('Remove from 3 groups: Finance, Sales and VPN');
    expect(preview.timeline[1].description).toMatch(
      /^Suspend Ann Archer’s sign-in and end every session and API token open then \(0 sessions and 0 API tokens open now\)$/,
    );
    expect(preview.timeline[0].description).toBe(
      'Email “Ann Archer leaves on ”: nobody to send it to now (no manager with an email address)',
    );
    expect(preview.timeline[3].condition).toBe('only if the user is still suspended');
    // a dry run writes nothing
    expect((await t.admin.get(runs(acme))).json().items).toEqual([]);
    const user = (await t.admin.get(`/api/v1/tenants/${acme}/users/${ann.id}`)).json();
    expect(user.leaveDate).toBeNull();
  });

  it('−1 d 09:00 before an event the day after the DST change is 09:00 summer time (clock injected)', async () => {
    const id = (
      await t.admin.post(tpl(acme), {
        name: 'DST',
        steps: [
          { action: 'revoke_access', when: { offsetDays: -2, timeOfDay: '09:00' } },
          { action: 'revoke_access', when: { offsetDays: -1, timeOfDay: '02:30' } },
          { action: 'suspend', when: { offsetDays: -1, timeOfDay: '09:00' } },
          { action: 'archive', when: { offsetDays: 0, timeOfDay: '09:00' } },
        ],
      })
    ).json().id;
    const spring = (
      await t.admin.post(runs(acme), {
        templateId: id,
        userId: ann.id,
        eventDate: '2027-03-29',
        dryRun: true,
      })
    ).json();
    expect(
      spring.timeline.map((s: { dueAt: string; dueLocal: string; utcOffset: string; inPast: boolean }) => [
        s.dueAt,
        s.dueLocal,
        s.utcOffset,
        s.inPast,
      ]),
    ).toEqual([
      ['2027-03-27T08:00:00.000Z', '2027-03-27 09:00', '+01:00', false],
      // 02:30 does not exist that night: the clock jumps from 02:00 to 03:00
      ['2027-03-28T01:30:00.000Z', '2027-03-28 03:30', '+02:00', false],
      ['2027-03-28T07:00:00.000Z', '2027-03-28 09:00', '+02:00', false],
      ['2027-03-29T07:00:00.000Z', '2027-03-29 09:00', '+02:00', false],
    ]);
    const autumn = (
      await t.admin.post(runs(acme), {
        templateId: id,
        userId: ann.id,
        eventDate: '2027-11-01',
        dryRun: true,
      })
    ).json();
    expect(autumn.timeline.map((s: { dueAt: string }) => s.dueAt)).toEqual([
      '2027-10-30T07:00:00.000Z',
      // 02:30 happens twice that night: the first one counts
      '2027-10-31T00:30:00.000Z',
      '2027-10-31T08:00:00.000Z',
      '2027-11-01T08:00:00.000Z',
    ]);
    // against the injected clock: a step whose instant has passed is shown as running at once
    const soon = (
      await t.admin.post(runs(acme), {
        templateId: id,
        userId: ann.id,
        eventDate: '2027-03-02',
        dryRun: true,
      })
    ).json();
    expect(soon.timeline.map((s: { inPast: boolean }) => s.inPast)).toEqual([true, true, true, false]);
  });

  it('reads times in the user’s zone when the template says so', async () => {
    const ny = await apiCreateUser(t.admin, acme, {
      firstName: 'Nia',
      lastName: 'York',
      timeZone: 'America/New_York',
    });
    const id = (
      await t.admin.post(tpl(acme), {
        name: 'User zone',
        timeZoneSource: 'user',
        steps: [{ action: 'suspend', when: { offsetDays: -1, timeOfDay: '09:00' } }],
      })
    ).json().id;
    const preview = (
      await t.admin.post(runs(acme), { templateId: id, userId: ny.id, eventDate: '2027-03-15', dryRun: true })
    ).json();
    expect(preview.timeZone).toBe('America/New_York');
    expect(preview.timeline[0]).toMatchObject({ dueAt: '2027-03-14T13:00:00.000Z', utcOffset: '-04:00' });
  });

  it('refuses dates that are not dates and unknown templates', async () => {
    const id = (await t.admin.get(tpl(acme))).json().items[0].id;
    expect(
      (
        await t.admin.post(runs(acme), {
          templateId: id,
          userId: ann.id,
          eventDate: '2027-02-30',
          dryRun: true,
        })
      ).json().code,
    ).toBe('flow_run.invalid_event_date');
    expect(
      (await t.admin.post(runs(acme), { templateId: id, userId: ann.id, eventDate: '15.04.2027' })).json()
        .code,
    ).toBe('request.invalid');
    expect(
      (await t.admin.post(runs(acme), { templateId: ann.id, userId: ann.id, eventDate: '2027-04-01' })).json()
        .code,
    ).toBe('flow_template.not_found');
  });
});

describe('rule 24: who may manage and run flows', () => {
  it('Help Desk runs templates but cannot write them; authors cannot use actions beyond their own permissions', async () => {
    const hdEmail = 'hd@acme.test';
    await apiCreateUser(t.admin, acme, {
      email: hdEmail,
      roleIds: [await roleId(t.admin, acme, 'help_desk')],
    });
    const hd = await signIn(t.app, 'acme-flows', hdEmail);
    const write = await hd.post(tpl(acme), offboarding);
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({
      code: 'auth.forbidden',
      details: { permission: 'flows.templates.manage' },
    });
    const id = (await t.admin.get(tpl(acme))).json().items[0].id;
    expect(
      (await hd.post(runs(acme), { templateId: id, userId: ann.id, eventDate: '2027-05-01', dryRun: true }))
        .statusCode,
    ).toBe(200);

    const author = (
      await t.admin.post(`/api/v1/tenants/${acme}/roles`, {
        name: 'Flow author',
        permissions: [
          'console.access',
          'flows.read',
          'flows.templates.manage',
          'users.read',
          'users.suspend',
          'users.scope.all',
        ],
      })
    ).json();
    await apiCreateUser(t.admin, acme, { email: 'author@acme.test', roleIds: [author.id] });
    const client = await signIn(t.app, 'acme-flows', 'author@acme.test');
    const beyond = await client.post(tpl(acme), {
      name: 'Too much',
      steps: [
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' } },
        { action: 'remove', when: { offsetDays: 1, timeOfDay: '09:00' } },
      ],
    });
    expect(beyond.statusCode).toBe(403);
    expect(beyond.json()).toMatchObject({
      code: 'flow_template.ceiling',
      details: { missing: ['users.remove'] },
    });
    const within = await client.post(tpl(acme), {
      name: 'Within',
      steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' } }],
    });
    expect(within.statusCode).toBe(201);
    // without flows.run, no run, not even a preview
    const noRun = await client.post(runs(acme), {
      templateId: within.json().id,
      userId: ann.id,
      eventDate: '2027-05-01',
      dryRun: true,
    });
    expect(noRun.json()).toMatchObject({ code: 'auth.forbidden', details: { permission: 'flows.run' } });
  });

  it('Technicians run flows only for the users they manage; plain users see no flows', async () => {
    await apiCreateUser(t.admin, acme, {
      email: 'tech@acme.test',
      roleIds: [await roleId(t.admin, acme, 'technician')],
    });
    const tech = await signIn(t.app, 'acme-flows', 'tech@acme.test');
    const id = (await t.admin.get(tpl(acme))).json().items[0].id;
    const res = await tech.post(runs(acme), {
      templateId: id,
      userId: ann.id,
      eventDate: '2027-05-01',
      dryRun: true,
    });
    expect(res.json().code).toBe('user.out_of_scope');
    await apiCreateUser(t.admin, acme, { email: 'plain@acme.test' });
    const plain = await signIn(t.app, 'acme-flows', 'plain@acme.test');
    expect((await plain.get(tpl(acme))).json()).toMatchObject({
      code: 'auth.forbidden',
      details: { permission: 'flows.read' },
    });
  });
});

describe('rule 22: publishing to customers', () => {
  it('publishes a provider template; republishing updates unedited copies and lists the skipped ones', async () => {
    const provider = t.providerId;
    const source = (await t.admin.post(tpl(provider), { ...offboarding, name: 'MSP offboarding' })).json();
    const first = await t.admin.post(tpl(provider, `/${source.id}/publish`), { tenantIds: [acme, beta] });
    expect(first.statusCode, first.body).toBe(200);
    expect(
      first
        .json()
        .results.map((r: { tenantName: string; outcome: string; sourceVersion: number }) => [
          r.tenantName,
          r.outcome,
          r.sourceVersion,
        ]),
    ).toEqual([
      ['Acme', 'created', 1],
      ['Beta', 'created', 1],
    ]);
    const acmeCopy = first.json().results[0].copyId;
    const copy = (await t.admin.get(tpl(acme, `/${acmeCopy}`))).json();
    expect(copy).toMatchObject({
      name: 'MSP offboarding',
      source: { tenantId: provider, templateId: source.id, version: 1 },
      locallyEdited: false,
      owner: null,
    });

    // the provider moves on; Acme changes its copy; republishing skips Acme and updates Beta
    await t.admin.patch(tpl(provider, `/${source.id}`), { description: 'Reviewed by legal' });
    await t.admin.patch(tpl(acme, `/${acmeCopy}`), { name: 'Acme offboarding' });
    const copies = (await t.admin.get(tpl(provider, `/${source.id}/copies`))).json();
    expect(copies.version).toBe(2);
    expect(
      copies.items.map(
        (c: { tenantName: string; copy: { sourceVersion: number; locallyEdited: boolean } }) => [
          c.tenantName,
          c.copy.sourceVersion,
          c.copy.locallyEdited,
        ],
      ),
    ).toEqual([
      ['Acme', 1, true],
      ['Beta', 1, false],
    ]);
    const again = (await t.admin.post(tpl(provider, `/${source.id}/publish`), { allCustomers: true })).json();
    expect(
      again.results.map((r: { tenantName: string; outcome: string; reason: string | null }) => [
        r.tenantName,
        r.outcome,
        r.reason,
      ]),
    ).toEqual([
      ['Acme', 'skipped', 'edited_locally'],
      ['Beta', 'updated', null],
    ]);
    expect(again.skipped).toBe(1);
    const betaCopy = (await t.admin.get(tpl(beta)))
      .json()
      .items.find((i: { source: { templateId: string } | null }) => i.source?.templateId === source.id);
    expect(betaCopy).toMatchObject({
      description: 'Reviewed by legal',
      source: { version: 2 },
      locallyEdited: false,
    });
    expect(
      (await t.admin.post(tpl(provider, `/${source.id}/publish`), { tenantIds: [beta] })).json().results[0]
        .outcome,
    ).toBe('unchanged');

    // Beta detaches its copy: it is Beta's own now and republishing leaves it alone
    const detached = (await t.admin.post(tpl(beta, `/${betaCopy.id}/detach`))).json();
    expect(detached).toMatchObject({ source: null, detachedFromTemplateId: source.id });
    await t.admin.patch(tpl(provider, `/${source.id}`), { description: 'Third' });
    const third = (await t.admin.post(tpl(provider, `/${source.id}/publish`), { tenantIds: [beta] })).json();
    expect(third.results[0]).toMatchObject({ outcome: 'skipped', reason: 'detached' });
    expect((await t.admin.post(tpl(beta, `/${betaCopy.id}/detach`))).json().code).toBe(
      'flow_template.not_a_copy',
    );

    // the audit trail of the customer says who published what
    const audit = (await t.admin.get(`/api/v1/tenants/${beta}/audit?action=flow_template.`))
      .json()
      .items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(
      expect.arrayContaining([
        'flow_template.copy_created',
        'flow_template.copy_updated',
        'flow_template.detached',
      ]),
    );
  });

  it('publishes only from a provider, to its own customers, to someone', async () => {
    const local = (await t.admin.post(tpl(acme), { ...offboarding, name: 'Acme local' })).json();
    expect((await t.admin.post(tpl(acme, `/${local.id}/publish`), { allCustomers: true })).json().code).toBe(
      'flow_template.provider_only',
    );
    const source = (await t.admin.post(tpl(t.providerId), { ...offboarding, name: 'Another' })).json();
    expect((await t.admin.post(tpl(t.providerId, `/${source.id}/publish`), {})).json().code).toBe(
      'flow_template.no_targets',
    );
    const stranger = await t.admin.post(tpl(t.providerId, `/${source.id}/publish`), {
      tenantIds: [t.providerId],
    });
    expect(stranger.json()).toMatchObject({
      code: 'flow_template.unknown_tenants',
      details: { tenantIds: [t.providerId] },
    });
    // a customer's own admins may create local templates
    await apiCreateUser(t.admin, acme, {
      email: 'boss@acme.test',
      roleIds: [await roleId(t.admin, acme, 'tenant_admin')],
    });
    const boss = await signIn(t.app, 'acme-flows', 'boss@acme.test');
    expect((await boss.post(tpl(acme), { ...offboarding, name: 'By the customer' })).statusCode).toBe(201);
  });
});
