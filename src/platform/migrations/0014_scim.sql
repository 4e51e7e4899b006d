-- SCIM 2.0 provisioning (RFC 7643/7644): per-tenant bearer tokens an identity provider (Entra ID,
-- Okta, OneLogin) provisions with, the identifiers it keeps for what it provisioned, and a lookup
-- that keeps its hottest query (`userName eq "…"`) on an index under row-level security.

-- A token is shown once and stored as its SHA-256. `ceiling` is the permissions of the administrator
-- who created it, taken at creation: group roles the identity provider hands out by membership never
-- exceed them (rule 13), and provisioning keeps working after that administrator leaves.
CREATE TABLE scim_tokens (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash text NOT NULL,
  prefix text NOT NULL,
  ceiling text[] NOT NULL DEFAULT '{}',
  -- the creator may be provider staff acting in this customer tenant: no foreign key across tenants
  created_by uuid,
  created_by_label text,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  last_used_ip text,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX scim_tokens_token_hash_key ON scim_tokens (token_hash);
CREATE INDEX scim_tokens_tenant_idx ON scim_tokens (tenant_id, created_at DESC);

GRANT SELECT, INSERT, UPDATE ON scim_tokens TO rollcall_app;
ALTER TABLE scim_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY scim_tokens_isolation ON scim_tokens TO rollcall_app
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());

-- The identity provider's own identifier for a user or group (SCIM `externalId`, case-exact).
ALTER TABLE users ADD COLUMN external_id text CHECK (length(external_id) <= 200);
CREATE INDEX users_external_id_idx ON users (tenant_id, external_id) WHERE external_id IS NOT NULL;

-- Rule 4a for groups: a group a directory provisioned names it; its name and members change only there.
ALTER TABLE groups
  ADD COLUMN source text CHECK (source IN ('scim', 'ldap', 'sso')),
  ADD COLUMN external_id text CHECK (length(external_id) <= 200);

-- SCIM's exact lookups (`userName eq`, `emails.value eq`, `externalId eq`) as the table owner, like
-- search_user_ids() in 0003: under RLS lower(…) is not leakproof, so from the application role these
-- comparisons cannot use the indexes and every lookup scanned the tenant's users. Tied to the
-- transaction's tenant: asked for any other tenant it returns nothing.
CREATE FUNCTION scim_user_ids(p_tenant uuid, p_attribute text, p_value text) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER ROWS 2
  SET search_path = public, pg_temp
  AS $$
    SELECT s.id FROM users s
     WHERE p_attribute = 'username' AND p_tenant = app_tenant_id() AND s.tenant_id = p_tenant
       AND lower(s.username) = lower(p_value) AND s.status <> 'removed'
    UNION ALL
    SELECT s.id FROM users s
     WHERE p_attribute = 'email' AND p_tenant = app_tenant_id() AND s.tenant_id = p_tenant
       AND lower(s.email) = lower(p_value) AND s.status <> 'removed'
    UNION ALL
    SELECT s.id FROM users s
     WHERE p_attribute = 'external_id' AND p_tenant = app_tenant_id() AND s.tenant_id = p_tenant
       AND s.external_id = p_value
  $$;
REVOKE ALL ON FUNCTION scim_user_ids(uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scim_user_ids(uuid, text, text) TO rollcall_app;
