-- A row of an import that fails lists every problem it has, not just the first.
ALTER TABLE import_rows ADD COLUMN problems jsonb;

-- The address a password link was emailed to: opening it and choosing a password proves that
-- mailbox, so an imported user welcomed this way has a verified address like one who confirmed it.
ALTER TABLE password_reset_tokens ADD COLUMN sent_to text;
