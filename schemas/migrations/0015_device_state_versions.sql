-- A device's state is saved only over the version it was read at (compare and set), so the DCC reads it without
-- holding a lock while the device works, and saves it with the job's outcome in one statement: the job marked
-- done, the state, the messages queued for delivery and their notification. Anything that changed the state in
-- between (another host's job for the device, a timer, the DCC managing the device) makes the save a conflict,
-- and the DCC reads the state again and lets the device work on that (dccsim/han/store.py).
ALTER TABLE device_state ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- save_device_outcome, which does that save, is defined in 0016_device_state_text.sql.
