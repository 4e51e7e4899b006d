-- Rule 5's search, fast under row-level security. With RLS on, PostgreSQL evaluates only leakproof
-- operators before the policy, and LIKE is not leakproof, so the trigram index on users cannot be
-- used from the application role: every search became a sequential scan. This function runs the
-- search as the table owner, where the index works, and is tied to the transaction's tenant: asked
-- for any other tenant it returns nothing, so it opens no door RLS had closed.
CREATE FUNCTION search_user_ids(p_tenant uuid, p_pattern text) RETURNS SETOF uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
    SELECT s.id FROM users s
     WHERE p_tenant = app_tenant_id() AND s.tenant_id = p_tenant
       AND user_search_text(s.first_name, s.last_name, s.email, s.username) LIKE p_pattern
    UNION
    SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
     WHERE p_tenant = app_tenant_id() AND ur.tenant_id = p_tenant AND lower(r.name) LIKE p_pattern
    UNION
    SELECT gm.user_id FROM group_members gm
      JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id
      JOIN roles r ON r.tenant_id = g.tenant_id AND r.id = g.role_id
     WHERE p_tenant = app_tenant_id() AND gm.tenant_id = p_tenant AND lower(r.name) LIKE p_pattern
  $$;
REVOKE ALL ON FUNCTION search_user_ids(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_user_ids(uuid, text) TO rollcall_app;
