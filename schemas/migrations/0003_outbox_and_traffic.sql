-- Asynchronous delivery: every Response, Device Alert and DCC Alert for a user waits here until its
-- endpoint has it. Rows are written in the transaction of the state change that caused them.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    user_id          text NOT NULL,
    request_id       text,
    response_id      text,
    kind             text NOT NULL,                 -- response | device-alert | dcc-alert
    body             text NOT NULL,                 -- the signed DUIS document, exactly as POSTed
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'undeliverable')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_until      timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (user_id, id) WHERE status = 'pending';
CREATE INDEX outbox_request_idx ON outbox (request_id);

-- Service Request Traffic Management (SECMP0067): one token bucket per user, shared by all workers.
CREATE TABLE rate_bucket (
    user_id     text PRIMARY KEY,
    tokens      double precision NOT NULL,
    updated_at  timestamptz NOT NULL
);
