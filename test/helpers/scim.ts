import type { FastifyInstance } from 'fastify';
import type { TestClient } from './app.ts';

/** Talks to /scim/v2 the way an identity provider does: a bearer token and application/scim+json. */
export class ScimClient {
  private readonly app: FastifyInstance;
  token: string;
  constructor(app: FastifyInstance, token: string) {
    this.app = app;
    this.token = token;
  }

  async request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await this.app.inject({
      method,
      url: `/scim/v2${path}`,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}),
        ...headers,
      },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.statusCode,
      headers: res.headers,
      body: (res.body ? JSON.parse(res.body) : null) as any,
      contentType: String(res.headers['content-type'] ?? ''),
    };
  }
  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }
  post(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers);
  }
  put(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request('PUT', path, body, headers);
  }
  patch(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', path, body, headers);
  }
  delete(path: string, headers?: Record<string, string>) {
    return this.request('DELETE', path, undefined, headers);
  }
}

/** A new SCIM token for a tenant, created through the API like an administrator does. */
export async function createScimToken(admin: TestClient, tenantId: string, name = 'Entra ID') {
  const res = await admin.post(`/api/v1/tenants/${tenantId}/scim-tokens`, { name });
  if (res.statusCode !== 201) throw new Error(`token: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; token: string };
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
