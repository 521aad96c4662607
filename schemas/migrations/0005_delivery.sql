-- Delivery: a resent message keeps its created_at and records when it was resent (the give-up horizon
-- counts from there).
ALTER TABLE outbox ADD COLUMN resent_at timestamptz;

-- Traffic management: each bucket row carries the allocation it was last refilled with, so one statement
-- can refill and debit it with the allocation read from dcc_user (or the system capacity) at that moment.
ALTER TABLE rate_bucket ADD COLUMN rps double precision, ADD COLUMN burst double precision;

-- Every process caches devices, parties, premises (with CPL statuses) and users briefly; a change to any of
-- them, however it is made, tells every process to drop its cache (one notification per transaction:
-- identical ones are merged).
CREATE FUNCTION dccsim_inventory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dccsim_inventory', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
CREATE TRIGGER device_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON device
    FOR EACH STATEMENT EXECUTE FUNCTION dccsim_inventory_changed();
CREATE TRIGGER device_party_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON device_party
    FOR EACH STATEMENT EXECUTE FUNCTION dccsim_inventory_changed();
CREATE TRIGGER dcc_user_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dcc_user
    FOR EACH STATEMENT EXECUTE FUNCTION dccsim_inventory_changed();
CREATE TRIGGER cpl_entry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cpl_entry
    FOR EACH STATEMENT EXECUTE FUNCTION dccsim_inventory_changed();

-- Device jobs: a job the DCC holds until its execution time (DSP future dating) says so in not_before; jobs
-- for one device run in id order (the device refuses a counter lower than one it has seen).
ALTER TABLE device_job ADD COLUMN not_before timestamptz;
CREATE INDEX device_job_device_pending_idx ON device_job (device_id, id) WHERE status = 'pending';

-- Devices with future-dated commands: when the earliest is due, so the DCC's timer finds them by index
-- instead of reading every device's state each second.
ALTER TABLE device_state ADD COLUMN next_timer_at timestamptz;
UPDATE device_state SET next_timer_at = (
    SELECT min((f->>'at')::timestamptz) FROM jsonb_array_elements(state->'future') f)
WHERE jsonb_typeof(state->'future') = 'array';
CREATE INDEX device_state_timer_idx ON device_state (next_timer_at) WHERE next_timer_at IS NOT NULL;
