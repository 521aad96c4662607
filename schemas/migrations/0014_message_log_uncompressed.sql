-- The message log's bodies are kept out of line without compression: compressing every logged message
-- (PostgreSQL's pglz, for bodies over about 2 kB) cost the database more CPU than any other part of a
-- non-device Service Request, for a log whose rows are written once and read rarely.
ALTER TABLE message_log ALTER COLUMN body SET STORAGE EXTERNAL;
