-- Email through an outbox: every message is a row written in the same transaction as its cause,
-- delivered later by a job, its delivery status visible. Password-reset links are single-use and
-- kept only as hashes.

CREATE TABLE outbox (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  to_address text NOT NULL,
  to_user_id uuid,
  kind text NOT NULL,
  subject text NOT NULL,
  text_body text NOT NULL,
  html_body text NOT NULL,
  -- queued → sent | failed; kept when no SMTP server is configured; suppressed for users who must not
  -- receive email (suspended, archived, removed: rule 3)
  status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'kept', 'suppressed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_created_idx ON outbox (tenant_id, created_at DESC);

CREATE TABLE password_reset_tokens (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  token_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX password_reset_tokens_hash_key ON password_reset_tokens (token_hash);

GRANT SELECT, INSERT, UPDATE ON outbox TO rollcall_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON password_reset_tokens TO rollcall_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['outbox', 'password_reset_tokens']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;
