-- Rule 16: licence pools per tenant (quantity set by the provider) and the seats assigned from them.
CREATE TABLE license_pools (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_-]{0,39}$'),
  quantity integer NOT NULL CHECK (quantity >= 0),
  -- the 90% alert went out for the current crossing; cleared when usage falls below again
  alert_raised boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, type)
);

CREATE TABLE license_assignments (
  tenant_id uuid NOT NULL,
  type text NOT NULL,
  user_id uuid NOT NULL,
  assigned_at timestamptz NOT NULL,
  assigned_by uuid,
  PRIMARY KEY (tenant_id, type, user_id),
  FOREIGN KEY (tenant_id, type) REFERENCES license_pools (tenant_id, type),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX license_assignments_user_idx ON license_assignments (tenant_id, user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON license_pools, license_assignments TO rollcall_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['license_pools', 'license_assignments']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;
