-- Traffic management (SECMP0067) and the RequestID counter rule for a group of Service Requests in one call:
-- the requests that reach the front door of one process at the same moment share one round trip.
--
-- Each request is decided exactly as it would be alone (see dccsim/frontdoor/traffic.py): a token from the
-- DCC System's bucket (when a system capacity is set) and from the originator's own (when it has an
-- allocation and traffic management applies); it is throttled when it has an allocation and neither bucket
-- gave it a token, and a throttled request does not consume its counter; otherwise its counter must be
-- greater than the last accepted from its originator. What is returned of the bucket and the counter is as
-- they stood before the request. The requests are taken in the order of their originators, then of their
-- place in the group, and the system bucket is locked before any of them, so that groups from different
-- processes always lock rows in the same order and cannot deadlock.

-- A token from a bucket refilled at ``rate`` a second up to ``size``: true when one was there, else NULL.
CREATE OR REPLACE FUNCTION take_rate_token(bucket text, rate float8, size float8) RETURNS boolean
LANGUAGE sql AS $fn$
    INSERT INTO rate_bucket AS b (user_id, tokens, updated_at, rps, burst)
    VALUES (bucket, size - 1, clock_timestamp(), rate, size)
    ON CONFLICT (user_id) DO UPDATE SET
        tokens = LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) - 1,
        updated_at = clock_timestamp(), rps = EXCLUDED.rps, burst = EXCLUDED.burst
    WHERE LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) >= 1
    RETURNING true
$fn$;

CREATE OR REPLACE FUNCTION admit_requests(
    originators text[], counters numeric[], managed boolean[], advance boolean[],
    system_rps float8, system_burst float8, system_bucket text)
RETURNS TABLE (place int, throttled boolean, advanced boolean, rps float8, burst float8, level float8,
               last_counter numeric)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    k int;
    allocation float8;
    allocation_burst float8;
    bucket_level float8;
    previous numeric;
    got_system boolean;
    got_user boolean;
    moved int;
BEGIN
    IF system_rps IS NOT NULL THEN
        PERFORM 1 FROM rate_bucket b WHERE b.user_id = system_bucket FOR UPDATE;
    END IF;
    FOR k IN SELECT u.i FROM unnest(originators) WITH ORDINALITY AS u(o, i) ORDER BY u.o, u.i LOOP
        allocation := NULL;
        allocation_burst := NULL;
        bucket_level := NULL;
        IF managed[k] THEN
            SELECT d.capacity_rps, COALESCE(d.capacity_burst::float8, GREATEST(1.0, ceil(d.capacity_rps)))
              INTO allocation, allocation_burst
              FROM dcc_user d WHERE d.entity_id = originators[k] AND d.capacity_rps IS NOT NULL;
        END IF;
        IF allocation IS NOT NULL THEN
            SELECT LEAST(allocation_burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * allocation)
              INTO bucket_level FROM rate_bucket b WHERE b.user_id = originators[k];
        END IF;
        SELECT r.last_counter INTO previous FROM request_counter r WHERE r.originator = originators[k];
        got_system := false;
        IF system_rps IS NOT NULL THEN
            got_system := take_rate_token(system_bucket, system_rps, system_burst) IS NOT NULL;
        END IF;
        got_user := false;
        IF allocation IS NOT NULL THEN
            got_user := take_rate_token(originators[k], allocation, allocation_burst) IS NOT NULL;
        END IF;
        place := k;
        throttled := allocation IS NOT NULL AND NOT got_user AND NOT got_system;
        moved := 0;
        IF NOT throttled AND advance[k] THEN
            INSERT INTO request_counter AS r (originator, last_counter) VALUES (originators[k], counters[k])
            ON CONFLICT (originator) DO UPDATE SET last_counter = EXCLUDED.last_counter, updated_at = now()
                WHERE r.last_counter < EXCLUDED.last_counter;
            GET DIAGNOSTICS moved = ROW_COUNT;
        END IF;
        advanced := moved > 0;
        rps := allocation;
        burst := allocation_burst;
        level := bucket_level;
        last_counter := previous;
        RETURN NEXT;
    END LOOP;
END
$fn$;
