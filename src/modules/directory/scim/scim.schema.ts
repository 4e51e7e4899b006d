/**
 * The SCIM schemas Rollcall serves (RFC 7643): the attributes it maps, with the characteristics that
 * drive everything else — filters compare case-insensitively unless `caseExact`, `attributes` and
 * `excludedAttributes` follow `returned`, PATCH and PUT follow `mutability`. Only attributes Rollcall
 * keeps are listed, so `/Schemas` tells a client exactly what survives a round trip.
 */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export type AttributeType = 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex' | 'integer';

export interface ScimAttribute {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: ScimAttribute[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

type Options = Partial<Omit<ScimAttribute, 'name' | 'type' | 'description'>>;
const attr = (name: string, type: AttributeType, description: string, o: Options = {}): ScimAttribute => ({
  name,
  type,
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...o,
});

const readOnly: Options = { mutability: 'readOnly' };

/** Common to every resource (RFC 7643 §3.1); `schemas` is handled apart, as the RFC does. */
export const COMMON_ATTRIBUTES: ScimAttribute[] = [
  attr('id', 'string', 'Rollcall’s identifier for the resource (a UUID).', {
    mutability: 'readOnly',
    returned: 'always',
    caseExact: true,
    uniqueness: 'server',
  }),
  attr('externalId', 'string', 'The provisioning client’s identifier for the resource.', { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attr('resourceType', 'string', 'User or Group.', { ...readOnly, caseExact: true }),
      attr('created', 'dateTime', 'When the resource was created.', readOnly),
      attr('lastModified', 'dateTime', 'When the resource last changed.', readOnly),
      attr('location', 'reference', 'The resource’s URI.', { ...readOnly, referenceTypes: ['uri'] }),
      attr('version', 'string', 'The resource’s entity tag (weak), for If-Match.', {
        ...readOnly,
        caseExact: true,
      }),
    ],
  }),
];

export const USER_ATTRIBUTES: ScimAttribute[] = [
  attr(
    'userName',
    'string',
    'Unique sign-in name (Rollcall username), unique case-insensitively in the tenant.',
    {
      required: true,
      uniqueness: 'server',
    },
  ),
  attr('name', 'complex', 'The user’s name; given and family name are required by Rollcall.', {
    subAttributes: [
      attr('formatted', 'string', 'Accepted and not kept: Rollcall shows given and family name.'),
      attr('givenName', 'string', 'First name.'),
      attr('familyName', 'string', 'Last name.'),
    ],
  }),
  attr(
    'displayName',
    'string',
    'Accepted and not kept (a name of one part alone is not enough): Rollcall shows given and family name.',
  ),
  attr('title', 'string', 'Job title.'),
  attr('preferredLanguage', 'string', 'Preferred language (stored as the user’s locale).'),
  attr('locale', 'string', 'Locale, e.g. en-US.'),
  attr('timezone', 'string', 'IANA time zone, e.g. Europe/Berlin.'),
  attr('active', 'boolean', 'false suspends the user (sign-in blocked, data kept); true reactivates.'),
  attr('password', 'string', 'Initial or new password; must meet the tenant’s password policy.', {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  attr('emails', 'complex', 'Rollcall keeps one address: the primary (or first) one.', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The email address.'),
      attr('type', 'string', 'Always work.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'Always true for the address kept.'),
    ],
  }),
  attr('phoneNumbers', 'complex', 'Phone numbers (at most 10).', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The number.'),
      attr('type', 'string', 'work, home, mobile or other (fax and pager are kept as other).', {
        canonicalValues: ['work', 'home', 'mobile', 'other'],
      }),
      attr('primary', 'boolean', 'Not kept; always false.'),
    ],
  }),
  attr('groups', 'complex', 'The Rollcall groups the user belongs to.', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      attr('value', 'string', 'The group’s id.', { ...readOnly, caseExact: true }),
      attr('$ref', 'reference', 'The group’s URI.', { ...readOnly, referenceTypes: ['Group'] }),
      attr('display', 'string', 'The group’s name.', readOnly),
      attr('type', 'string', 'direct.', { ...readOnly, canonicalValues: ['direct', 'indirect'] }),
    ],
  }),
];

export const ENTERPRISE_ATTRIBUTES: ScimAttribute[] = [
  attr('employeeNumber', 'string', 'Employee id.'),
  attr('department', 'string', 'Department.'),
  attr('costCenter', 'string', 'Kept as the custom attribute costCenter.'),
  attr('organization', 'string', 'Kept as the custom attribute organization.'),
  attr('division', 'string', 'Kept as the custom attribute division.'),
  attr('manager', 'complex', 'The user’s manager (Rollcall allows several; SCIM sets one).', {
    subAttributes: [
      attr('value', 'string', 'The manager’s id.', { caseExact: true }),
      attr('$ref', 'reference', 'The manager’s URI.', { ...readOnly, referenceTypes: ['User'] }),
      attr('displayName', 'string', 'The manager’s name.', readOnly),
    ],
  }),
];

export const GROUP_ATTRIBUTES: ScimAttribute[] = [
  attr('displayName', 'string', 'The group’s name, unique case-insensitively in the tenant.', {
    required: true,
    uniqueness: 'server',
  }),
  attr('members', 'complex', 'The group’s members (users).', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The member’s id.', { mutability: 'immutable', caseExact: true }),
      attr('$ref', 'reference', 'The member’s URI.', { mutability: 'immutable', referenceTypes: ['User'] }),
      attr('display', 'string', 'The member’s name.', readOnly),
      attr('type', 'string', 'User.', { mutability: 'immutable', canonicalValues: ['User'] }),
    ],
  }),
];

export interface ResourceTypeDef {
  name: 'User' | 'Group';
  endpoint: '/Users' | '/Groups';
  schema: string;
  extensions: string[];
}

export const RESOURCE_TYPES: Record<'User' | 'Group', ResourceTypeDef> = {
  User: { name: 'User', endpoint: '/Users', schema: USER_SCHEMA, extensions: [ENTERPRISE_SCHEMA] },
  Group: { name: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, extensions: [] },
};

export const SCHEMAS: Record<string, { name: string; description: string; attributes: ScimAttribute[] }> = {
  [USER_SCHEMA]: { name: 'User', description: 'User account', attributes: USER_ATTRIBUTES },
  [ENTERPRISE_SCHEMA]: {
    name: 'EnterpriseUser',
    description: 'Enterprise user extension',
    attributes: ENTERPRISE_ATTRIBUTES,
  },
  [GROUP_SCHEMA]: { name: 'Group', description: 'Group', attributes: GROUP_ATTRIBUTES },
};

/**
 * Attributes of RFC 7643's User that Rollcall does not keep. Identity providers map some of them by
 * default (Entra ID sends addresses and fax numbers): they are accepted and dropped, as in a create,
 * so an update never fails on them. A name that is in no schema at all is still an error.
 */
const UNKEPT_USER_ATTRIBUTES = new Set(
  [
    'nickName',
    'profileUrl',
    'userType',
    'addresses',
    'ims',
    'photos',
    'entitlements',
    'roles',
    'x509Certificates',
  ].map((a) => a.toLowerCase()),
);
const UNKEPT_NAME_PARTS = new Set(['middlename', 'honorificprefix', 'honorificsuffix']);

/** Whether a path names something a standard client may send that Rollcall does not keep. */
export function isUnkeptPath(type: ResourceTypeDef, path: string): boolean {
  let rest = path;
  if (path.toLowerCase().startsWith('urn:')) {
    const uri = schemaUris(type).find((u) => path.toLowerCase().startsWith(`${u.toLowerCase()}:`));
    // an extension this server does not know: its attributes are not kept either
    if (!uri) return true;
    if (uri !== type.schema) return false;
    rest = path.slice(uri.length + 1);
  }
  if (type.name !== 'User') return false;
  const [name, sub] = rest.toLowerCase().split('.');
  return (
    UNKEPT_USER_ATTRIBUTES.has(name!) || (name === 'name' && sub !== undefined && UNKEPT_NAME_PARTS.has(sub))
  );
}

/** A resolved attribute path: which schema, which attribute, which sub-attribute. */
export interface ResolvedPath {
  /** null for the core schema and the common attributes. */
  extension: string | null;
  attribute: ScimAttribute;
  sub: ScimAttribute | null;
}

const lower = (s: string) => s.toLowerCase();

function findAttribute(list: ScimAttribute[], name: string): ScimAttribute | undefined {
  const n = lower(name);
  return list.find((a) => lower(a.name) === n);
}

export function findSub(attribute: ScimAttribute, name: string): ScimAttribute | undefined {
  return attribute.subAttributes ? findAttribute(attribute.subAttributes, name) : undefined;
}

/** The schema URIs a resource type knows, core first. */
export function schemaUris(type: ResourceTypeDef): string[] {
  return [type.schema, ...type.extensions];
}

/**
 * Splits an attribute path (`name.givenName`, `urn:…:User:userName`, `urn:…:enterprise:2.0:User:manager.value`)
 * into schema, attribute and sub-attribute. Names compare case-insensitively (RFC 7644 §3.10). null
 * when the path names nothing this resource type has.
 */
export function resolvePath(type: ResourceTypeDef, path: string): ResolvedPath | null {
  let extension: string | null = null;
  let rest = path;
  if (lower(path).startsWith('urn:')) {
    const uri = schemaUris(type)
      .sort((a, b) => b.length - a.length)
      .find((u) => lower(path).startsWith(`${lower(u)}:`));
    if (!uri) return null;
    rest = path.slice(uri.length + 1);
    extension = uri === type.schema ? null : uri;
  }
  const [name, sub, ...more] = rest.split('.');
  if (!name || more.length > 0) return null;
  const list = extension
    ? SCHEMAS[extension]!.attributes
    : [...COMMON_ATTRIBUTES, ...SCHEMAS[type.schema]!.attributes];
  const attribute = findAttribute(list, name);
  if (!attribute) return null;
  if (sub === undefined) return { extension, attribute, sub: null };
  const subAttribute = findSub(attribute, sub);
  return subAttribute ? { extension, attribute, sub: subAttribute } : null;
}

/** The characteristics that apply at the end of a path: the sub-attribute's, else the attribute's. */
export const leafOf = (p: ResolvedPath): ScimAttribute => p.sub ?? p.attribute;
