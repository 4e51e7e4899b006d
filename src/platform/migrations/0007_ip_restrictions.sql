-- Rule 28: allow-lists of CIDR ranges per tenant (in its settings), per role and per user.
ALTER TABLE roles ADD COLUMN ip_ranges text[] NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN ip_ranges text[] NOT NULL DEFAULT '{}';

-- the evaluator's inputs now carry each role's ranges too
CREATE OR REPLACE FUNCTION user_access_inputs(p_tenant uuid, p_user uuid) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  AS $$
BEGIN
  RETURN jsonb_build_object(
    'userKind', (SELECT kind FROM users WHERE tenant_id = p_tenant AND id = p_user),
    'userIpRanges', (SELECT to_jsonb(ip_ranges) FROM users WHERE tenant_id = p_tenant AND id = p_user),
    'tenantDefaults', (SELECT to_jsonb(default_permissions) FROM tenants WHERE id = p_tenant),
    'tenantIpRanges', (SELECT coalesce(settings -> 'ipAllowList', '[]'::jsonb) FROM tenants WHERE id = p_tenant),
    'directRoles', coalesce((
      SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'key', r.key, 'permissions', to_jsonb(r.permissions),
                                          'customerAccess', r.customer_access, 'customerTenantIds', to_jsonb(r.customer_tenant_ids),
                                          'ipRanges', to_jsonb(r.ip_ranges))
                       ORDER BY r.name)
        FROM user_roles ur JOIN roles r ON r.tenant_id = ur.tenant_id AND r.id = ur.role_id
       WHERE ur.tenant_id = p_tenant AND ur.user_id = p_user), '[]'::jsonb),
    'groupRoles', coalesce((
      SELECT jsonb_agg(jsonb_build_object('roleId', r.id, 'roleName', r.name, 'key', r.key, 'groupId', g.id, 'groupName', g.name,
                                          'permissions', to_jsonb(r.permissions), 'customerAccess', r.customer_access,
                                          'customerTenantIds', to_jsonb(r.customer_tenant_ids), 'ipRanges', to_jsonb(r.ip_ranges))
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
