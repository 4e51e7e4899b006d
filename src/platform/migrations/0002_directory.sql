-- The directory core: the rest of the user model, managers, skills, permission overrides, tenant
-- default permissions, avatars, directory sources, and the indexes that keep search fast.

ALTER TABLE tenants ADD COLUMN default_permissions text[] NOT NULL DEFAULT '{}';

ALTER TABLE users
  ADD COLUMN avatar bytea,
  ADD COLUMN avatar_content_type text CHECK (avatar_content_type IN ('image/png', 'image/jpeg', 'image/webp')),
  ADD COLUMN avatar_updated_at timestamptz,
  -- rule 4a: a user provisioned by a directory names it, and the attributes it masters are read-only
  ADD COLUMN source text CHECK (source IN ('scim', 'ldap', 'sso')),
  ADD COLUMN source_attributes text[] NOT NULL DEFAULT '{}',
  ADD COLUMN idp_groups jsonb NOT NULL DEFAULT '[]'::jsonb,
  ADD COLUMN status_changed_at timestamptz,
  ADD COLUMN removed_at timestamptz;

-- rule 5: search over first name, last name, email and username; one trigram index on the combined text
CREATE FUNCTION user_search_text(first_name text, last_name text, email text, username text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT lower(first_name || ' ' || last_name || ' ' || coalesce(email, '') || ' ' || coalesce(username, '')) $$;
CREATE INDEX users_search_trgm ON users USING gin (user_search_text(first_name, last_name, email, username) gin_trgm_ops);
-- sorted lists page by (sort column, id); these serve the common sorts and the status tabs
CREATE INDEX users_last_name_idx ON users (tenant_id, lower(last_name), id);
CREATE INDEX users_last_name_prefix_idx ON users (tenant_id, lower(last_name) text_pattern_ops);
CREATE INDEX users_first_name_idx ON users (tenant_id, lower(first_name), id);
CREATE INDEX users_email_idx ON users (tenant_id, lower(email), id);
CREATE INDEX users_status_idx ON users (tenant_id, status, lower(last_name), id);
CREATE INDEX users_created_idx ON users (tenant_id, created_at, id);
CREATE INDEX users_department_idx ON users (tenant_id, lower(department));

-- rule 4: several managers per user; the reverse is the manager's managed users
CREATE TABLE user_managers (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  manager_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id, manager_id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, manager_id) REFERENCES users (tenant_id, id),
  CONSTRAINT user_managers_not_self CHECK (user_id <> manager_id)
);
CREATE INDEX user_managers_manager_idx ON user_managers (tenant_id, manager_id);

CREATE TABLE user_skills (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('skill', 'certification')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  issuer text CHECK (length(issuer) <= 200),
  issued_on date,
  expires_on date,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX user_skills_user_idx ON user_skills (tenant_id, user_id);

-- rule 11: per-user overrides; a deny wins over every grant
CREATE TABLE user_permission_overrides (
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  permission text NOT NULL,
  effect text NOT NULL CHECK (effect IN ('grant', 'deny')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id, permission),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX groups_role_idx ON groups (tenant_id, role_id) WHERE role_id IS NOT NULL;

GRANT SELECT, INSERT, UPDATE, DELETE ON user_managers, user_skills, user_permission_overrides TO rollcall_app;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['user_managers', 'user_skills', 'user_permission_overrides']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;

-- The inputs of the permission evaluator for one user, in one call: tenant defaults, direct roles,
-- group roles (with the group they come through), overrides, and the user's kind. Used by the sign-in
-- principal lookup and by "explain this user's permissions", so both read the same facts. SECURITY
-- INVOKER: inside a tenant transaction RLS still applies.
CREATE FUNCTION user_access_inputs(p_tenant uuid, p_user uuid) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  AS $$
BEGIN
  RETURN jsonb_build_object(
    'userKind', (SELECT kind FROM users WHERE tenant_id = p_tenant AND id = p_user),
    'tenantDefaults', (SELECT to_jsonb(default_permissions) FROM tenants WHERE id = p_tenant),
    'directRoles', coalesce((
      SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'key', r.key, 'permissions', to_jsonb(r.permissions),
                                          'customerAccess', r.customer_access, 'customerTenantIds', to_jsonb(r.customer_tenant_ids))
                       ORDER BY r.name)
        FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
       WHERE ur.tenant_id = p_tenant AND ur.user_id = p_user), '[]'::jsonb),
    'groupRoles', coalesce((
      SELECT jsonb_agg(jsonb_build_object('roleId', r.id, 'roleName', r.name, 'key', r.key, 'groupId', g.id, 'groupName', g.name,
                                          'permissions', to_jsonb(r.permissions), 'customerAccess', r.customer_access,
                                          'customerTenantIds', to_jsonb(r.customer_tenant_ids))
                       ORDER BY g.name)
        FROM group_members gm
        JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id
        JOIN roles r ON r.tenant_id = g.tenant_id AND r.id = g.role_id
       WHERE gm.tenant_id = p_tenant AND gm.user_id = p_user), '[]'::jsonb),
    'overrides', coalesce((
      SELECT jsonb_agg(jsonb_build_object('permission', o.permission, 'effect', o.effect) ORDER BY o.permission)
        FROM user_permission_overrides o
       WHERE o.tenant_id = p_tenant AND o.user_id = p_user), '[]'::jsonb)
  );
END $$;
GRANT EXECUTE ON FUNCTION user_access_inputs(uuid, uuid) TO rollcall_app;
