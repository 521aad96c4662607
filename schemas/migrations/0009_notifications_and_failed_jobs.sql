-- Caches of device faults and of SMKI credentials follow the same rule as the inventory's
-- (dccsim.db.cache): a committed change, however it is made, is announced to every process.
CREATE FUNCTION dccsim_source_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], TG_TABLE_NAME);
    RETURN NULL;
END
$$;
CREATE TRIGGER device_fault_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON device_fault
    FOR EACH STATEMENT EXECUTE FUNCTION dccsim_source_changed('dccsim_device_faults');
CREATE TRIGGER smki_credential_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON smki_credential
    FOR EACH STATEMENT EXECUTE FUNCTION dccsim_source_changed('dccsim_smki');

-- A device job whose processing hit an error of the simulator's own (not of the device, the network or the
-- database) is not tried again forever: it is marked failed, and the message log says so.
ALTER TABLE device_job DROP CONSTRAINT device_job_status_check;
ALTER TABLE device_job ADD CONSTRAINT device_job_status_check CHECK (status IN ('pending', 'done', 'failed'));
