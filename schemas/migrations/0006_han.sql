-- The DCC as Access Control Broker on the HAN: the counter of the commands it originates itself (on a
-- User's behalf, to Communications Hubs and the like), and the CHF device-log backups CS14 alerts carry,
-- which Restore HAN Device Log (8.12.1) sends back to a replacement hub.
CREATE SEQUENCE acb_command_counter START WITH 1000000;

CREATE TABLE chf_log_backup (
    chf_id           text PRIMARY KEY,
    extended_pan_id  text NOT NULL,
    entries          jsonb NOT NULL DEFAULT '[]'::jsonb,     -- [{device_id, link_key_hash}]
    updated_at       timestamptz NOT NULL DEFAULT now()
);
