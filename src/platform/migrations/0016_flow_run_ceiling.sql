-- Rule 13 for flow runs: a run grants and takes away no more than the person who started it could.
-- `ceiling` is their permissions when the run started (for a run a date change started, those of
-- whoever changed the date); every step's services check what it grants against it. Runs started
-- before this column existed get none: a step of theirs that would grant or take away a permission
-- fails with `role.ceiling` and can be cancelled and started again.
ALTER TABLE flow_runs ADD COLUMN ceiling text[] NOT NULL DEFAULT '{}';
ALTER TABLE flow_runs ALTER COLUMN ceiling DROP DEFAULT;
