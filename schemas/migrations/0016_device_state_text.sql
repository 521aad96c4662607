-- A device's state is stored as the JSON text the simulator writes and reads (devices/state_codec.py), no longer
-- as jsonb: no SQL of the simulator looks inside it, and jsonb cost the database a parse on every save and a
-- conversion back to text on every read, about a tenth of its CPU on the device path. save_device_outcome, which
-- took the state as jsonb, is dropped here and made again, taking text, in 0017_job_locked_by_key.sql.
ALTER TABLE device_state ALTER COLUMN state DROP DEFAULT,
                         ALTER COLUMN state TYPE text USING state::text,
                         ALTER COLUMN state SET DEFAULT '{}';
DROP FUNCTION IF EXISTS save_device_outcome(text, bigint, jsonb, bigint, timestamptz, text[], text[], text[], text[], text[],
                                            text, text, timestamptz, text[], integer, float8);
