-- Imports, second part (0013_imports.sql was already applied where it was merged, and migrations
-- are forward-only): the preview the mapping step shows, and fast lookups of existing users.
ALTER TABLE imports ADD COLUMN preview jsonb NOT NULL DEFAULT '[]'::jsonb;

-- an import may match existing users by employee id
CREATE INDEX users_employee_id_idx ON users (tenant_id, lower(employee_id)) WHERE employee_id IS NOT NULL;

-- The users a batch of imported rows collides with or matches, by email, username or employee id.
-- lower() is not leakproof, so under RLS the unique indexes on lower(email) and lower(username)
-- cannot serve these lookups and every batch would scan the tenant's users; as in search_user_ids
-- (0003), the function reads as the owner and only ever the transaction's own tenant. A user may
-- come back once per key it matches.
CREATE FUNCTION users_matching_keys(p_tenant uuid, p_emails text[], p_usernames text[], p_employee_ids text[])
  RETURNS TABLE (id uuid, email text, username text, employee_id text, status text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
    -- one index probe per key (LATERAL … LIMIT 1): the keys are unique, so each finds at most one user
    SELECT m.* FROM unnest(p_emails) k, LATERAL (
      SELECT u.id, u.email, u.username, u.employee_id, u.status FROM users u
       WHERE u.tenant_id = p_tenant AND lower(u.email) = k AND u.status <> 'removed' LIMIT 1) m
     WHERE p_tenant = app_tenant_id()
    UNION ALL
    SELECT m.* FROM unnest(p_usernames) k, LATERAL (
      SELECT u.id, u.email, u.username, u.employee_id, u.status FROM users u
       WHERE u.tenant_id = p_tenant AND lower(u.username) = k AND u.status <> 'removed' LIMIT 1) m
     WHERE p_tenant = app_tenant_id()
    UNION ALL
    SELECT m.* FROM unnest(p_employee_ids) k, LATERAL (
      SELECT u.id, u.email, u.username, u.employee_id, u.status FROM users u
       WHERE u.tenant_id = p_tenant AND lower(u.employee_id) = k AND u.employee_id IS NOT NULL
         AND u.status <> 'removed') m
     WHERE p_tenant = app_tenant_id()
  $$;
REVOKE ALL ON FUNCTION users_matching_keys(uuid, text[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION users_matching_keys(uuid, text[], text[], text[]) TO rollcall_app;
