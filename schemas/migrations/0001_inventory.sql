-- The Smart Metering Inventory: DCC users, devices, their relationships and the Central Products List.
-- Identifiers (entity ids, device ids) are stored as 16 upper-case hex digits without separators.

CREATE TABLE dcc_user (
    entity_id          text PRIMARY KEY CHECK (entity_id ~ '^[0-9A-F]{16}$'),
    name               text NOT NULL,
    roles              text[] NOT NULL DEFAULT '{}',          -- DUIS user roles: IS ES GS ED GT RSA OU
    response_endpoint  text,
    capacity_rps       double precision,
    capacity_burst     integer,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Central Products List: which firmware versions of which device models are approved.
CREATE TABLE cpl_entry (
    id                 bigserial PRIMARY KEY,
    manufacturer       text NOT NULL,
    model              text NOT NULL,
    firmware_version   text NOT NULL,
    firmware_hash      text,
    device_type        text,
    gbcs_version       text,
    status             text NOT NULL DEFAULT 'Current' CHECK (status IN ('Current', 'Removed')),
    UNIQUE (manufacturer, model, firmware_version)
);

CREATE TABLE device (
    device_id              text PRIMARY KEY CHECK (device_id ~ '^[0-9A-F]{16}$'),
    device_type            text NOT NULL,
    status                 text NOT NULL,
    manufacturer           text,
    model                  text,
    firmware_version       text,
    gbcs_version           text,
    smets_chts_version     text,
    smets_generation       text NOT NULL DEFAULT 'SMETS2' CHECK (smets_generation IN ('SMETS1', 'SMETS2')),
    esme_variant           text CHECK (esme_variant IS NULL OR esme_variant ~ '^[A-G]+$'),
    install_code           text,
    chf_id                 text REFERENCES device(device_id),      -- the Communications Hub whose HAN it is on
    gpf_id                 text REFERENCES device(device_id),      -- for a GSME: its Gas Proxy Function
    import_mpxn            text,
    secondary_import_mpan  text,
    export_mpan            text,
    uprn                   text,
    postcode               text,
    address_identifier     text,
    csp_region             text,
    han_variant            text,
    connectivity           text,
    date_commissioned      date,
    installed_at           timestamptz,
    status_changed_at      timestamptz NOT NULL DEFAULT now(),
    created_at             timestamptz NOT NULL DEFAULT now(),
    attributes             jsonb NOT NULL DEFAULT '{}'::jsonb     -- details of SR-specific records (CHF install data ...)
);
CREATE INDEX device_chf_idx ON device (chf_id);
CREATE INDEX device_mpxn_idx ON device (import_mpxn);
CREATE INDEX device_uprn_idx ON device (uprn);

-- Who is responsible for a device, per role (IS, ES, GS, ED, GT, RSA).
CREATE TABLE device_party (
    device_id   text NOT NULL REFERENCES device(device_id) ON DELETE CASCADE,
    role        text NOT NULL,
    entity_id   text NOT NULL REFERENCES dcc_user(entity_id),
    since       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, role)
);
CREATE INDEX device_party_entity_idx ON device_party (entity_id);

-- Other Users who opted in to a device (SR 8.6).
CREATE TABLE device_opt_in (
    device_id    text NOT NULL REFERENCES device(device_id) ON DELETE CASCADE,
    entity_id    text NOT NULL REFERENCES dcc_user(entity_id),
    opt_in_date  date NOT NULL,
    PRIMARY KEY (device_id, entity_id)
);

-- The last RequestID counter accepted per originator (strictly increasing).
CREATE TABLE request_counter (
    originator    text PRIMARY KEY,
    last_counter  numeric(20, 0) NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- DCC-held schedules (SR 5.1 / 5.2 / 5.3).
CREATE TABLE dsp_schedule (
    schedule_id        bigserial PRIMARY KEY,
    owner              text NOT NULL REFERENCES dcc_user(entity_id),
    device_id          text NOT NULL,
    scheduled_variant  text NOT NULL,
    frequency          text NOT NULL,
    start_date         date NOT NULL,
    end_date           date,
    execution_time     time,
    details_xml        text NOT NULL,     -- the DSPSchedule element as received (compact XML)
    next_run_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz
);
CREATE INDEX dsp_schedule_owner_idx ON dsp_schedule (owner) WHERE deleted_at IS NULL;

-- Every DUIS message in and out (and GBCS frames once devices exist), keyed by RequestID.
CREATE TABLE message_log (
    id             bigserial PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    request_id     text,
    direction      text NOT NULL CHECK (direction IN ('in', 'out')),
    kind           text NOT NULL,          -- request | response | alert | gbcs-command | gbcs-response | gbcs-alert
    user_id        text,
    http_status    integer,
    response_code  text,
    body           text NOT NULL
);
CREATE INDEX message_log_request_idx ON message_log (request_id);
