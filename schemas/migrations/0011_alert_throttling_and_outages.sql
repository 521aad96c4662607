-- SECMP0062 alert throttling (dccsim.han.throttling): per device, alert code and User, the window the DCC counts
-- that device's alerts in, whether it is throttling them, the last ThrottledAlertSequenceId it forwarded, how many
-- it has held back since, and the last one held back (forwarded with the count when the window closes).
CREATE TABLE alert_throttle (
    device_id text NOT NULL,
    alert_code text NOT NULL,
    user_id text NOT NULL,
    window_start timestamptz NOT NULL,
    window_end timestamptz NOT NULL,
    raised integer NOT NULL DEFAULT 0,
    throttling boolean NOT NULL DEFAULT false,
    sequence integer NOT NULL DEFAULT 0,
    consolidated integer NOT NULL DEFAULT 0,
    held_frame bytea,
    held_counter bigint,
    held_request_id text,
    PRIMARY KEY (device_id, alert_code, user_id)
);
CREATE INDEX alert_throttle_closing ON alert_throttle (window_end) WHERE throttling;

-- AD1 (dccsim.han.device_events): a Communications Hub without power since lost_at; the CSP's notification is
-- due three minutes later (notified_at once sent). The row goes when the power comes back.
CREATE TABLE hub_power_outage (
    chf_id text PRIMARY KEY,
    lost_at timestamptz NOT NULL,
    notified_at timestamptz
);

-- A device without power (dccsim.han.device_events) neither hears nor answers over the HAN, as if offline; kept
-- apart from the offline fault a user sets, so that the power coming back does not undo the user's fault.
ALTER TABLE device_fault ADD COLUMN unpowered boolean NOT NULL DEFAULT false;
