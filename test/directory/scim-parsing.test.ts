import { scimPatch } from 'scim-patch';
import { parse as oracleParse } from 'scim2-parse-filter';
import { describe, expect, it } from 'vitest';
import { type Filter, parseFilter, parsePatchPath } from '../../src/modules/directory/scim/scim.filter.ts';
import { applyPatch } from '../../src/modules/directory/scim/scim.patch.ts';
import { RESOURCE_TYPES } from '../../src/modules/directory/scim/scim.schema.ts';

/**
 * The filter parser and the PATCH engine checked against maintained npm implementations used as
 * oracles (scim2-parse-filter, scim-patch): the same filters give the same trees, the same RFC
 * operations give the same resources. Where Rollcall goes further (Entra's no-path forms, string
 * booleans, upserting `emails[type eq "work"].value`), the server tests cover it.
 */
type OracleFilter =
  | { op: 'and' | 'or'; filters: OracleFilter[] }
  | { op: 'not'; filter: OracleFilter }
  | { op: '[]'; attrPath: string; valFilter: OracleFilter }
  | { op: 'pr'; attrPath: string }
  | { op: string; attrPath: string; compValue: unknown };

function toOracleShape(f: Filter): OracleFilter {
  switch (f.kind) {
    case 'and':
    case 'or':
      return { op: f.kind, filters: f.filters.map(toOracleShape) };
    case 'not':
      return { op: 'not', filter: toOracleShape(f.filter) };
    case 'valuePath':
      return { op: '[]', attrPath: f.path, valFilter: toOracleShape(f.filter) };
    case 'present':
      return { op: 'pr', attrPath: f.path };
    case 'compare':
      return { op: f.op, attrPath: f.path, compValue: f.value };
  }
}

const FILTERS = [
  'userName eq "bjensen"',
  'name.familyName co "O\'Malley"',
  'userName sw "J"',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
  'title pr',
  'meta.lastModified gt "2011-05-13T04:42:34Z"',
  'meta.lastModified ge "2011-05-13T04:42:34Z"',
  'meta.lastModified lt "2011-05-13T04:42:34Z"',
  'meta.lastModified le "2011-05-13T04:42:34Z"',
  'title pr and userType eq "Employee"',
  'title pr or userType eq "Intern"',
  'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
  'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
  'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
  'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
  'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
  'a eq 1 or b eq 2 and c eq 3',
  'a eq 1 and b eq 2 and c eq 3',
  'userName EQ "x" AND active Eq true',
  'active eq false',
  'manager eq null',
  'displayName ew "ops" or displayName sw "it "',
  'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"',
];

describe('the filter parser agrees with scim2-parse-filter', () => {
  it.each(FILTERS)('%s', (text) => {
    const oracle = oracleParse(text);
    const ours = toOracleShape(parseFilter(text));
    // the oracle keeps operators as written; ours are case-insensitive, hence lower case
    const normalise = (f: unknown): unknown =>
      JSON.parse(JSON.stringify(f), (k, v) => (k === 'op' && typeof v === 'string' ? v.toLowerCase() : v));
    expect(ours).toEqual(normalise(oracle));
  });

  it('reads what the oracle does not: literals in any case, JSON escapes in strings', () => {
    expect(parseFilter('active eq TRUE and manager eq NULL')).toEqual({
      kind: 'and',
      filters: [
        { kind: 'compare', path: 'active', op: 'eq', value: true },
        { kind: 'compare', path: 'manager', op: 'eq', value: null },
      ],
    });
    expect(parseFilter('userName eq "a \\"quoted\\" \\\\ name"')).toEqual({
      kind: 'compare',
      path: 'userName',
      op: 'eq',
      value: 'a "quoted" \\ name',
    });
  });

  it('refuses what is not a filter, naming where', () => {
    for (const bad of [
      'userName eq',
      'userName foo "x"',
      'userName eq "unterminated',
      '(userName eq "x"',
      'userName eq "x" extra',
      'emails[type eq "work"',
      'emails[tags[x eq 1]]',
      'not userName eq "x"',
      '',
      'userName eq x',
    ]) {
      expect(() => parseFilter(bad), bad).toThrow(expect.objectContaining({ code: 'scim.invalid_filter' }));
    }
  });

  it('refuses filters with too many comparisons (tooMany)', () => {
    const huge = Array.from({ length: 51 }, (_, i) => `userName eq "u${i}"`).join(' or ');
    expect(() => parseFilter(huge)).toThrow(expect.objectContaining({ code: 'scim.too_many' }));
  });

  it('parses PATCH paths: attribute, sub-attribute, value filter and its sub-attribute', () => {
    expect(parsePatchPath('name.familyName')).toEqual({ path: 'name.familyName', filter: null, sub: null });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      path: 'emails',
      filter: { kind: 'compare', path: 'type', op: 'eq', value: 'work' },
      sub: 'value',
    });
    expect(
      parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager'),
    ).toMatchObject({
      path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    });
    for (const bad of ['emails[type eq "work"]value', 'emails[', '"x"', 'a b'])
      expect(() => parsePatchPath(bad), bad).toThrow(expect.objectContaining({ code: 'scim.invalid_path' }));
  });
});

describe('the PATCH engine agrees with scim-patch on RFC 7644 operations', () => {
  const user = () => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: '2819c223-7f76-453a-919d-413861904646',
    userName: 'bjensen@example.com',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    title: 'Tour Guide',
    active: true,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
    phoneNumbers: [{ value: '555-555-8377', type: 'work' }],
    meta: {
      resourceType: 'User' as const,
      created: '2010-01-23T04:56:22Z',
      lastModified: '2011-05-13T04:42:34Z',
    },
  });
  const group = () => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
    displayName: 'Tour Guides',
    members: [{ value: '2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen' }],
    meta: {
      resourceType: 'Group' as const,
      created: '2010-01-23T04:56:22Z',
      lastModified: '2011-05-13T04:42:34Z',
    },
  });
  const cases: Array<
    [string, 'User' | 'Group', Array<{ op: 'add' | 'replace' | 'remove'; path?: string; value?: unknown }>]
  > = [
    ['replace a sub-attribute', 'User', [{ op: 'replace', path: 'name.familyName', value: 'Doe' }]],
    ['replace a simple attribute', 'User', [{ op: 'replace', path: 'title', value: 'Lead' }]],
    ['replace without a path', 'User', [{ op: 'replace', value: { title: 'Lead', active: false } }]],
    ['add without a path', 'User', [{ op: 'add', value: { title: 'Lead' } }]],
    [
      'add to a multi-valued attribute',
      'User',
      [{ op: 'add', path: 'emails', value: [{ value: 'b@x.org', type: 'other' }] }],
    ],
    [
      'replace a filtered value’s sub-attribute',
      'User',
      [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }],
    ],
    ['remove filtered values', 'User', [{ op: 'remove', path: 'emails[type eq "home"]' }]],
    ['remove an attribute', 'User', [{ op: 'remove', path: 'phoneNumbers' }]],
    ['remove a sub-attribute', 'User', [{ op: 'remove', path: 'name.givenName' }]],
    [
      'replace a whole multi-valued attribute',
      'User',
      [{ op: 'replace', path: 'phoneNumbers', value: [{ value: '1', type: 'home' }] }],
    ],
    [
      'operations in order',
      'User',
      [
        { op: 'replace', path: 'title', value: 'A' },
        { op: 'replace', path: 'title', value: 'B' },
        { op: 'remove', path: 'emails[value co "jensen.org"]' },
      ],
    ],
    ['add members', 'Group', [{ op: 'add', path: 'members', value: [{ value: 'a1', display: 'A' }] }]],
    [
      'remove a member by filter',
      'Group',
      [{ op: 'remove', path: 'members[value eq "2819c223-7f76-453a-919d-413861904646"]' }],
    ],
    ['rename a group', 'Group', [{ op: 'replace', path: 'displayName', value: 'Guides' }]],
  ];
  it.each(cases)('%s', (_name, type, operations) => {
    const resource = type === 'User' ? user() : group();
    const expected = scimPatch(structuredClone(resource) as never, operations as never);
    const ours = applyPatch(RESOURCE_TYPES[type], structuredClone(resource), operations).resource;
    expect(ours).toEqual(expected);
  });
});
