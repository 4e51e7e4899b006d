-- CSV imports of users. The uploaded file is kept in chunks in the database (not on a disk one
-- process owns), so the import job can read it from any process and after a restart; per-row
-- outcomes make the report and tell a resumed run which rows are already done.
CREATE TABLE imports (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  id uuid NOT NULL,
  file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
  bytes bigint NOT NULL,
  has_bom boolean NOT NULL,
  delimiter text NOT NULL CHECK (delimiter IN (',', ';', E'\t', '|')),
  record_count integer NOT NULL,
  column_count integer NOT NULL,
  -- uploaded → validating → validated (dry run); uploaded|validated → running → completed | failed | cancelled
  status text NOT NULL CHECK (status IN ('uploaded', 'validating', 'validated', 'running', 'completed',
                                         'failed', 'cancelled')),
  options jsonb,
  -- the current (or last) pass: its size, how far it got and what it found
  phase text CHECK (phase IN ('dry_run', 'run')),
  rows_total integer NOT NULL DEFAULT 0,
  rows_done integer NOT NULL DEFAULT 0,
  created_count integer NOT NULL DEFAULT 0,
  updated_count integer NOT NULL DEFAULT 0,
  skipped_count integer NOT NULL DEFAULT 0,
  failed_count integer NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  error jsonb,
  -- who started the upload and the pass: the job acts as them, under their current permissions
  created_by uuid NOT NULL,
  actor jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX imports_recent_idx ON imports (tenant_id, created_at DESC);
-- one import per tenant at a time: at most one pass validating or running
CREATE UNIQUE INDEX imports_one_active_key ON imports (tenant_id) WHERE status IN ('validating', 'running');

CREATE TABLE import_chunks (
  tenant_id uuid NOT NULL,
  import_id uuid NOT NULL,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (tenant_id, import_id, seq),
  FOREIGN KEY (tenant_id, import_id) REFERENCES imports (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE import_rows (
  tenant_id uuid NOT NULL,
  import_id uuid NOT NULL,
  phase text NOT NULL CHECK (phase IN ('dry_run', 'run')),
  row_number integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('created', 'updated', 'unchanged', 'skipped', 'failed')),
  user_id uuid,
  login text,
  code text,
  message text,
  PRIMARY KEY (tenant_id, import_id, phase, row_number),
  FOREIGN KEY (tenant_id, import_id) REFERENCES imports (tenant_id, id) ON DELETE CASCADE
);

GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_chunks, import_rows TO rollcall_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['imports', 'import_chunks', 'import_rows']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY %I ON %I TO rollcall_app USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())',
      t || '_isolation', t);
  END LOOP;
END $$;
