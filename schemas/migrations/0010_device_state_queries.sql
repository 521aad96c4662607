-- What the DCC reads of a device's stored state, kept beside it whenever it is saved (the state itself is the
-- device's own, written by devices.state_codec): a hub's device log (the devices that may talk to it over the
-- HAN; NULL for devices that are not hubs) and the state's format version (0: written before states had one,
-- rewritten in the current format at start-up).
ALTER TABLE device_state
    ADD COLUMN hub_device_log text[],
    ADD COLUMN format_version integer NOT NULL DEFAULT 0;
