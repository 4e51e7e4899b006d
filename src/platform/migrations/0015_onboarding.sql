-- Onboarding (issue 5): a user who joined by invitation walks through a short setup after the first
-- sign-in; an email address an administrator typed is confirmed by its owner before it is trusted.
ALTER TABLE users
  ADD COLUMN email_verified_at timestamptz,
  ADD COLUMN setup_pending boolean NOT NULL DEFAULT false;

-- One live link per user and address: a new link (resend, or the email changed) closes the others.
CREATE TABLE email_verifications (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  email text NOT NULL,
  token_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('sent', 'verified', 'replaced')),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  closed_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX email_verifications_token_key ON email_verifications (token_hash);
CREATE INDEX email_verifications_user_idx ON email_verifications (tenant_id, user_id, created_at DESC);

GRANT SELECT, INSERT, UPDATE ON email_verifications TO rollcall_app;
ALTER TABLE email_verifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY email_verifications_isolation ON email_verifications TO rollcall_app
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
