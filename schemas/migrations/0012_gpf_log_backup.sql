-- The GPF device-log backups GCS62 alerts (0x8071) carry to the Access Control Broker, which Restore Gas Proxy
-- Function Device Log (8.12.2) sends back to a replacement GPF.
CREATE TABLE gpf_log_backup (
    gpf_id      text PRIMARY KEY,
    entries     jsonb NOT NULL DEFAULT '[]'::jsonb,     -- [{device_id, device_type}], the GBCS device type by name
    updated_at  timestamptz NOT NULL
);
