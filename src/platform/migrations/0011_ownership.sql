-- Rules 17-19: resources that integrations register (each with one owner), their shares, ownership
-- transfers (one-time, for a duration, and scheduled removals), the sign-in block a duration
-- transfer may set, and the signed webhooks that tell integrations of owner changes.

CREATE TABLE resources (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_-]{0,39}$'),
  -- the integration's own id for it, unique per type
  external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
  url text,
  owner_id uuid NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, type, external_id),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX resources_owner_idx ON resources (tenant_id, owner_id, type);
CREATE INDEX resources_type_name_idx ON resources (tenant_id, type, lower(name), id);

CREATE TABLE resource_shares (
  tenant_id uuid NOT NULL,
  resource_id uuid NOT NULL,
  user_id uuid NOT NULL,
  level text NOT NULL CHECK (level IN ('view', 'edit')),
  shared_by uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, resource_id, user_id),
  FOREIGN KEY (tenant_id, resource_id) REFERENCES resources (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX resource_shares_user_idx ON resource_shares (tenant_id, user_id);

CREATE TABLE ownership_transfers (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('one_time', 'duration', 'removal')),
  status text NOT NULL CHECK (status IN ('scheduled', 'active', 'completed', 'cancelled', 'failed')),
  user_id uuid NOT NULL,
  recipient_id uuid,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  -- the zone the admin's "date and hour" were read in
  time_zone text NOT NULL,
  block_sign_in boolean NOT NULL DEFAULT false,
  -- who asked (may be provider staff acting in a customer, so no foreign key)
  requested_by uuid,
  requested_by_label text NOT NULL,
  -- what moved, item by item, so the end of a duration puts back exactly that
  moved jsonb NOT NULL DEFAULT '[]',
  outcome jsonb,
  failure_code text,
  failure_detail text,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  cancelled_at timestamptz,
  cancelled_by_label text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, recipient_id) REFERENCES users (tenant_id, id),
  CHECK (kind <> 'duration' OR (ends_at IS NOT NULL AND ends_at > starts_at)),
  CHECK (kind = 'removal' OR recipient_id IS NOT NULL)
);
-- one pending change per user: two requests at once cannot both schedule one
CREATE UNIQUE INDEX ownership_transfers_open_key ON ownership_transfers (tenant_id, user_id)
  WHERE status IN ('scheduled', 'active');
CREATE INDEX ownership_transfers_user_idx ON ownership_transfers (tenant_id, user_id, created_at DESC);
CREATE INDEX ownership_transfers_recipient_open_idx ON ownership_transfers (tenant_id, recipient_id)
  WHERE status IN ('scheduled', 'active');

-- a duration transfer may keep the user from signing in until it ends; lifts itself at that instant
ALTER TABLE users ADD COLUMN sign_in_blocked_until timestamptz;

-- one signing secret per tenant (sealed: it must be read back to sign)
CREATE TABLE webhook_secrets (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  secret_sealed text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id)
);

CREATE TABLE webhook_endpoints (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  url text NOT NULL CHECK (url ~ '^https?://'),
  description text NOT NULL DEFAULT '',
  events text[] NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  endpoint_id uuid,
  url text NOT NULL,
  event text NOT NULL,
  -- the exact bytes signed and sent
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE SET NULL (endpoint_id)
);
CREATE INDEX webhook_deliveries_recent_idx ON webhook_deliveries (tenant_id, created_at DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON resources, resource_shares, webhook_endpoints TO rollcall_app;
GRANT SELECT, INSERT, UPDATE ON ownership_transfers, webhook_secrets, webhook_deliveries TO rollcall_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['resources', 'resource_shares', 'ownership_transfers', 'webhook_secrets',
                           'webhook_endpoints', 'webhook_deliveries']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;
