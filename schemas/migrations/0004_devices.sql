-- Emulated devices: their state, the faults a user injects, the Pre-Commands awaiting a signature and the
-- device jobs (a command on its way to a device and its response on the way back).
CREATE TABLE device_state (
    device_id   text PRIMARY KEY,
    state       jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE device_fault (
    device_id   text PRIMARY KEY,
    offline     boolean NOT NULL DEFAULT false,
    latency_ms  double precision NOT NULL DEFAULT 0,
    loss        double precision NOT NULL DEFAULT 0 CHECK (loss >= 0 AND loss <= 1)
);

CREATE TABLE precommand (
    request_id    text PRIMARY KEY,
    user_id       text NOT NULL,
    device_id     text NOT NULL,
    variant       text NOT NULL,
    message_code  integer NOT NULL,
    body          bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    used_at       timestamptz
);

CREATE TABLE device_job (
    id           bigserial PRIMARY KEY,
    request_id   text NOT NULL,
    user_id      text NOT NULL,
    device_id    text NOT NULL,
    hub_id       text,
    variant      text NOT NULL,
    kind         text NOT NULL DEFAULT 'command',      -- command | firmware-image
    frame        bytea NOT NULL,
    schedule_id  bigint,
    extra        jsonb NOT NULL DEFAULT '{}'::jsonb,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    lease_until  timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    done_at      timestamptz
);
CREATE INDEX device_job_pending_idx ON device_job (id) WHERE status = 'pending';
