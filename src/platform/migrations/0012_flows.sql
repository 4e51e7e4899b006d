-- User Flows (rules 20–24): templates with immutable versions, published copies that remember their
-- source, runs that apply one template version to one user and an event date, and each run's steps.

CREATE TABLE flow_templates (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- 'offboarding' (the leave date), 'onboarding' (the hire date) or 'attribute:<key>' (a date kept in
  -- a custom attribute)
  event text NOT NULL CHECK (event ~ '^(offboarding|onboarding|attribute:[A-Za-z][A-Za-z0-9_]{0,63})$'),
  -- whose time zone the steps' times of day are read in
  time_zone_source text NOT NULL DEFAULT 'tenant' CHECK (time_zone_source IN ('tenant', 'user')),
  version integer NOT NULL CHECK (version >= 1),
  -- the current version's content_hash (below), kept here so lists can tell edited copies at once
  content_hash text NOT NULL,
  owner_id uuid,
  -- a published copy: the provider template and version it came from, and the content that version
  -- had, so an edit made in the customer (current content differs) is told apart from no edit
  source_tenant_id uuid,
  source_template_id uuid,
  source_version integer,
  source_content_hash text,
  detached_from_template_id uuid,
  archived_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE UNIQUE INDEX flow_templates_copy_key ON flow_templates (tenant_id, source_template_id)
  WHERE source_template_id IS NOT NULL AND archived_at IS NULL;

CREATE TABLE flow_template_versions (
  tenant_id uuid NOT NULL,
  template_id uuid NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  description text NOT NULL,
  event text NOT NULL,
  time_zone_source text NOT NULL,
  steps jsonb NOT NULL,
  content_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  created_by_label text NOT NULL,
  PRIMARY KEY (tenant_id, template_id, version),
  FOREIGN KEY (tenant_id, template_id) REFERENCES flow_templates (tenant_id, id)
);

CREATE TABLE flow_runs (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  template_id uuid NOT NULL,
  template_version integer NOT NULL,
  template_name text NOT NULL,
  user_id uuid NOT NULL,
  event text NOT NULL,
  event_date date NOT NULL,
  time_zone text NOT NULL,
  status text NOT NULL CHECK (status IN ('scheduled', 'running', 'completed', 'failed', 'cancelled')),
  trigger text NOT NULL CHECK (trigger IN ('manual', 'event_date')),
  initiator_user_id uuid,
  initiator_tenant_id uuid,
  initiator_label text NOT NULL,
  -- the step the chain waits on, and when a dispatcher should take it: its instant, the end of a
  -- retry's backoff, or right away when its instant passed while the step before ran. Null once
  -- nothing is left to do. This column is the durable timer: it is written in the transaction of the
  -- change that sets it (start, a finished step, reschedule, retry), like an enqueued job would be.
  next_position integer,
  next_due_at timestamptz,
  -- the next step calls out of the database (webhook): it runs in its own transaction, not a batch
  next_remote boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  cancelled_at timestamptz,
  cancel_reason text,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
  FOREIGN KEY (tenant_id, template_id, template_version)
    REFERENCES flow_template_versions (tenant_id, template_id, version)
);
-- rule 23 / issue: a user has at most one active run per lifecycle event (one offboarding at a time)
CREATE UNIQUE INDEX flow_runs_one_active ON flow_runs (tenant_id, user_id, event)
  WHERE status IN ('scheduled', 'running');
-- the dispatchers' due-time index: every process scans it for what is due now, across tenants
CREATE INDEX flow_runs_due ON flow_runs (next_remote, next_due_at) WHERE next_due_at IS NOT NULL;
-- and, once a dispatcher holds a tenant, that tenant's due runs
CREATE INDEX flow_runs_tenant_due ON flow_runs (tenant_id, next_due_at) WHERE next_due_at IS NOT NULL AND NOT next_remote;
CREATE INDEX flow_runs_recent ON flow_runs (tenant_id, created_at DESC, id DESC);
CREATE INDEX flow_runs_user ON flow_runs (tenant_id, user_id, created_at DESC);

CREATE TABLE flow_run_steps (
  tenant_id uuid NOT NULL,
  run_id uuid NOT NULL,
  position integer NOT NULL,
  action text NOT NULL,
  label text NOT NULL,
  params jsonb NOT NULL,
  timing jsonb NOT NULL,
  continue_on_failure boolean NOT NULL,
  condition jsonb,
  due_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'skipped', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  started_at timestamptz,
  finished_at timestamptz,
  result jsonb,
  error text,
  error_code text,
  PRIMARY KEY (tenant_id, run_id, position),
  FOREIGN KEY (tenant_id, run_id) REFERENCES flow_runs (tenant_id, id)
);

-- per tenant: which template a leave date (or hire date) starts by itself
CREATE TABLE flow_settings (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  event text NOT NULL,
  template_id uuid NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, event),
  FOREIGN KEY (tenant_id, template_id) REFERENCES flow_templates (tenant_id, id)
);

-- the per-tenant key webhook calls are signed with (HMAC-SHA256), sealed under the installation
-- secret; the ownership migration makes the same table for its announcements, whichever runs first
CREATE TABLE IF NOT EXISTS webhook_secrets (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  secret_sealed text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id)
);

GRANT SELECT, INSERT, UPDATE ON flow_templates, flow_template_versions, flow_runs, flow_run_steps,
  webhook_secrets TO rollcall_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON flow_settings TO rollcall_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['flow_templates', 'flow_template_versions', 'flow_runs', 'flow_run_steps',
                           'flow_settings', 'webhook_secrets']
  LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM pg_policies WHERE tablename = t AND policyname = t || '_isolation');
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;
