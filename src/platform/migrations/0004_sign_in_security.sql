-- Sign-in security: lockout as a flag with an expiry (rule 3: not a status), forced password change,
-- password history (rule 25), and the device a session signed in from (rule 27).

ALTER TABLE users
  ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0,
  ADD COLUMN failed_window_started_at timestamptz,
  ADD COLUMN locked_until timestamptz,
  ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

CREATE TABLE password_history (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  user_id uuid NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX password_history_user_idx ON password_history (tenant_id, user_id, created_at DESC);

ALTER TABLE sessions
  ADD COLUMN browser text,
  ADD COLUMN os text,
  ADD COLUMN device_type text,
  -- 'full', or a restricted session that may only change the password
  ADD COLUMN purpose text NOT NULL DEFAULT 'full' CHECK (purpose IN ('full', 'password_change'));

GRANT SELECT, INSERT, UPDATE, DELETE ON password_history TO rollcall_app;
ALTER TABLE password_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY password_history_isolation ON password_history TO rollcall_app
  USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id());
