-- Rule 15: invitations. Each creates (or reuses) a pending user and carries a single-use link that
-- expires; resending replaces the link, cancelling kills it, the pending user stays.
CREATE TABLE invitations (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  email text NOT NULL,
  token_hash text NOT NULL,
  invited_by uuid,
  status text NOT NULL CHECK (status IN ('sent', 'accepted', 'cancelled', 'replaced')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  closed_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash);
CREATE INDEX invitations_user_idx ON invitations (tenant_id, user_id, created_at DESC);

GRANT SELECT, INSERT, UPDATE ON invitations TO rollcall_app;
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitations_isolation ON invitations TO rollcall_app
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
