-- Rule 13 for flow runs: a run grants and takes away no more than the person who started it could.
-- `ceiling` is their permissions when the run started (for a run a date change started, those of
-- whoever changed the date; after a retry, the retrier's); every step's services check what it
-- grants or takes away against it. Runs started before this column existed keep NULL and finish
-- under the rules they were started with (their template's permissions), so no offboarding in
-- flight stops halfway at the upgrade; every run started from now on has one.
ALTER TABLE flow_runs ADD COLUMN ceiling text[];
