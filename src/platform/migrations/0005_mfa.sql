-- Rule 26: second factors. TOTP secrets are stored encrypted (they must be read back to verify a
-- code); recovery codes and challenge tokens only as hashes.

CREATE TABLE mfa_factors (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('totp', 'passkey')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  secret_enc text,
  -- the last TOTP time step accepted: a code is never accepted twice
  last_used_step bigint,
  credential_id text,
  public_key bytea,
  sign_count bigint,
  transports text[],
  confirmed_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX mfa_factors_user_idx ON mfa_factors (tenant_id, user_id);
CREATE UNIQUE INDEX mfa_factors_credential_key ON mfa_factors (tenant_id, credential_id) WHERE credential_id IS NOT NULL;

CREATE TABLE recovery_codes (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  code_hash text NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (tenant_id, user_id) WHERE used_at IS NULL;

-- A sign-in that passed the password and waits for its second factor.
CREATE TABLE mfa_challenges (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  token_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  email_code_hash text,
  email_code_expires_at timestamptz,
  webauthn_challenge text,
  completed_at timestamptz,
  ip text,
  user_agent text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX mfa_challenges_token_key ON mfa_challenges (token_hash);

ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_purpose_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_purpose_check CHECK (purpose IN ('full', 'password_change', 'mfa_enrolment'));

GRANT SELECT, INSERT, UPDATE, DELETE ON mfa_factors, recovery_codes, mfa_challenges TO rollcall_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['mfa_factors', 'recovery_codes', 'mfa_challenges']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;
