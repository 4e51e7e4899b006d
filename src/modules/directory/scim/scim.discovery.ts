import {
  COMMON_ATTRIBUTES,
  RESOURCE_TYPE_SCHEMA,
  RESOURCE_TYPES,
  type ResourceTypeDef,
  SCHEMA_SCHEMA,
  SCHEMAS,
  SPC_SCHEMA,
} from './scim.schema.ts';
import { MAX_BULK_OPERATIONS, MAX_COUNT } from './scim.service.ts';

/** The discovery endpoints (RFC 7644 §4): what this service provider supports, and its schemas. */
export const MAX_PAYLOAD_BYTES = 1_048_576;

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri: `${base.replace(/\/scim\/v2$/, '')}/docs`,
    patch: { supported: true },
    bulk: { supported: true, maxOperations: MAX_BULK_OPERATIONS, maxPayloadSize: MAX_PAYLOAD_BYTES },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A SCIM token created on the tenant’s Provisioning page, sent as Authorization: Bearer.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypeResource(type: ResourceTypeDef, base: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.name,
    name: type.name,
    endpoint: type.endpoint,
    description: type.name === 'User' ? 'User accounts' : 'Groups of users',
    schema: type.schema,
    schemaExtensions: type.extensions.map((schema) => ({ schema, required: false })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${type.name}` },
  };
}

export function resourceTypes(base: string) {
  return Object.values(RESOURCE_TYPES).map((t) => resourceTypeResource(t, base));
}

export function schemaResource(id: string, base: string) {
  const schema = SCHEMAS[id]!;
  const core = Object.values(RESOURCE_TYPES).some((t) => t.schema === id);
  return {
    schemas: [SCHEMA_SCHEMA],
    id,
    name: schema.name,
    description: schema.description,
    // the common attributes belong to every resource; listing them with the core schema tells
    // clients that externalId is kept
    attributes: core
      ? [...COMMON_ATTRIBUTES.filter((a) => a.name === 'externalId'), ...schema.attributes]
      : schema.attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  };
}

export function schemaResources(base: string) {
  return Object.keys(SCHEMAS).map((id) => schemaResource(id, base));
}

export function findSchemaId(id: string): string | undefined {
  return Object.keys(SCHEMAS).find((s) => s.toLowerCase() === id.toLowerCase());
}
