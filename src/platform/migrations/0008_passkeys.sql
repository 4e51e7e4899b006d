-- Passkeys (WebAuthn): the challenge of a registration in progress, and the challenges of
-- password-less sign-ins (no user is known until the authenticator answers).
ALTER TABLE mfa_factors ADD COLUMN pending_challenge text;

CREATE TABLE webauthn_challenges (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  challenge text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON webauthn_challenges TO rollcall_app;
ALTER TABLE webauthn_challenges ENABLE ROW LEVEL SECURITY;
CREATE POLICY webauthn_challenges_isolation ON webauthn_challenges TO rollcall_app
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
