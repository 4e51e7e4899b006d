-- The foundation: tenants, the first tenant tables, sessions and tokens, the audit chain, and the
-- database role that row-level security applies to.

-- The application's queries run as rollcall_app (SET LOCAL ROLE in every tenant transaction). It owns
-- nothing, so RLS policies apply to it; the connecting (owner) user is made a member so it may switch.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rollcall_app') THEN
    CREATE ROLE rollcall_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  -- another database of the same cluster created it at the same moment
  NULL;
END $$;
DO $$
BEGIN
  EXECUTE format('GRANT rollcall_app TO %I', current_user);
EXCEPTION WHEN duplicate_object OR invalid_grant_operation THEN NULL;
END $$;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

GRANT USAGE ON SCHEMA public TO rollcall_app;

-- The tenant of the current transaction; NULL (no rows) when unset.
CREATE FUNCTION app_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('provider', 'customer')),
  parent_id uuid REFERENCES tenants (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tenants_parent_by_kind CHECK ((kind = 'provider') = (parent_id IS NULL))
);
CREATE UNIQUE INDEX tenants_slug_key ON tenants (lower(slug));
CREATE INDEX tenants_parent_idx ON tenants (parent_id, name);

CREATE TABLE users (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  first_name text NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
  last_name text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
  email text CHECK (length(email) <= 254),
  username text CHECK (length(username) <= 100),
  status text NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'archived', 'removed')),
  kind text NOT NULL DEFAULT 'internal' CHECK (kind IN ('internal', 'external')),
  password_hash text,
  password_changed_at timestamptz,
  phone_numbers jsonb NOT NULL DEFAULT '[]'::jsonb,
  job_title text,
  department text,
  employee_id text,
  hire_date date,
  leave_date date,
  locale text,
  time_zone text,
  notification_preferences jsonb NOT NULL DEFAULT '{}'::jsonb,
  custom_attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  -- rule 1: at least one of email or username
  CONSTRAINT users_email_or_username CHECK (email IS NOT NULL OR username IS NOT NULL)
);
-- rule 1: email and username unique within the tenant, case-insensitively (a removed user's
-- tombstone keeps its address for the audit trail but frees it for reuse)
CREATE UNIQUE INDEX users_email_key ON users (tenant_id, lower(email)) WHERE status <> 'removed';
CREATE UNIQUE INDEX users_username_key ON users (tenant_id, lower(username)) WHERE status <> 'removed';

CREATE TABLE roles (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  key text,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '',
  permissions text[] NOT NULL DEFAULT '{}',
  customer_access text NOT NULL DEFAULT 'none' CHECK (customer_access IN ('none', 'all', 'selected')),
  customer_tenant_ids uuid[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX roles_key_key ON roles (tenant_id, key) WHERE key IS NOT NULL;
CREATE UNIQUE INDEX roles_name_key ON roles (tenant_id, lower(name));

CREATE TABLE user_roles (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id, role_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id)
);
CREATE INDEX user_roles_role_idx ON user_roles (tenant_id, role_id);

CREATE TABLE groups (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  is_default boolean NOT NULL DEFAULT false,
  owner_id uuid,
  role_id uuid,
  default_member_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id),
  FOREIGN KEY (tenant_id, default_member_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX groups_name_key ON groups (tenant_id, lower(name));
-- rule 6: exactly one Default group per tenant
CREATE UNIQUE INDEX groups_default_key ON groups (tenant_id) WHERE is_default;

CREATE TABLE group_members (
  tenant_id uuid NOT NULL,
  group_id uuid NOT NULL,
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, group_id, user_id),
  FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX group_members_user_idx ON group_members (tenant_id, user_id);

CREATE TABLE sessions (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  token_hash text NOT NULL,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_idx ON sessions (tenant_id, user_id) WHERE revoked_at IS NULL;

CREATE TABLE api_tokens (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash text NOT NULL,
  prefix text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_idx ON api_tokens (tenant_id, user_id) WHERE revoked_at IS NULL;

-- rule 29: the audit log, append-only and hash-chained per tenant.
CREATE TABLE audit_events (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  seq bigint NOT NULL,
  id uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor_type text NOT NULL,
  actor_id uuid,
  actor_label text,
  actor_tenant_id uuid,
  action text NOT NULL,
  target_type text,
  target_id text,
  target_label text,
  before jsonb,
  after jsonb,
  ip text,
  user_agent text,
  request_id text,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE UNIQUE INDEX audit_events_id_key ON audit_events (tenant_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (tenant_id, action, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor_id, seq);
CREATE INDEX audit_events_target_idx ON audit_events (tenant_id, target_id, seq);
CREATE INDEX audit_events_time_idx ON audit_events (tenant_id, occurred_at);

-- The head of each tenant's chain. Writers lock this row, which serialises them per tenant, so two
-- concurrent transactions can never both link to the same previous event (no fork).
CREATE TABLE audit_chain_heads (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
  seq bigint NOT NULL,
  hash text NOT NULL
);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- Installation-wide secrets (HMAC keys), shared by every process on this database.
CREATE TABLE platform_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Grants: the application role reads and writes tenant tables, and may only append to the audit log.
GRANT SELECT, INSERT, UPDATE ON tenants TO rollcall_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON users, roles, user_roles, groups, group_members, sessions, api_tokens
  TO rollcall_app;
GRANT SELECT, INSERT ON audit_events TO rollcall_app;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO rollcall_app;

-- Row-level security: a transaction sees the rows of its tenant and nothing else. FORCE makes it apply
-- to the table owner as well, except where the owner explicitly works as the system (migrations,
-- sign-in lookups), which runs with row_security off as superuser or owner-bypass.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
-- A tenant sees itself and, if it is a provider, its customers; never another provider's.
CREATE POLICY tenants_isolation ON tenants TO rollcall_app
  USING (id = app_tenant_id() OR parent_id = app_tenant_id())
  WITH CHECK (id = app_tenant_id() OR parent_id = app_tenant_id());

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'roles', 'user_roles', 'groups', 'group_members', 'sessions',
                           'api_tokens', 'audit_events', 'audit_chain_heads']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;
