-- Traffic management (SECMP0067) and the RequestID counter rule for a group of Service Requests in one call:
-- the requests that reach the front door of one process at the same moment share one round trip.
--
-- Each request is decided exactly as it would be alone (see dccsim/frontdoor/traffic.py): a token from the
-- DCC System's bucket (when a system capacity is set) and from the originator's own (when it has an
-- allocation and traffic management applies), and its counter must be greater than the last accepted from
-- its originator; a throttled request does not consume its counter. The requests are taken in the order of
-- their originators, then of their place in the group, and the system bucket is locked before any of them,
-- so that groups from different processes always lock rows in the same order and cannot deadlock.
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
BEGIN
    IF system_rps IS NOT NULL THEN
        PERFORM 1 FROM rate_bucket b WHERE b.user_id = system_bucket FOR UPDATE;
    END IF;
    FOR k IN SELECT u.i FROM unnest(originators) WITH ORDINALITY AS u(o, i) ORDER BY u.o, u.i LOOP
        allocation := NULL;
        IF managed[k] THEN
            SELECT d.capacity_rps INTO allocation FROM dcc_user d WHERE d.entity_id = originators[k];
        END IF;
        IF allocation IS NULL AND system_rps IS NULL THEN
            -- Nothing to throttle (no allocation applies, no system capacity is set): the counter rule alone.
            RETURN QUERY
            WITH ctr AS (
                INSERT INTO request_counter AS r (originator, last_counter)
                SELECT originators[k], counters[k] WHERE advance[k]
                ON CONFLICT (originator) DO UPDATE SET last_counter = EXCLUDED.last_counter, updated_at = now()
                    WHERE r.last_counter < EXCLUDED.last_counter
                RETURNING 1
            )
            SELECT k, false, EXISTS (SELECT 1 FROM ctr), NULL::float8, NULL::float8, NULL::float8,
                   (SELECT r.last_counter FROM request_counter r WHERE r.originator = originators[k]);
            CONTINUE;
        END IF;
        RETURN QUERY
        WITH usr_cap AS (
            SELECT d.capacity_rps AS rps,
                   COALESCE(d.capacity_burst::float8, GREATEST(1.0, ceil(d.capacity_rps))) AS burst
            FROM dcc_user d WHERE d.entity_id = originators[k] AND d.capacity_rps IS NOT NULL AND managed[k]
        ),
        sys AS (
            INSERT INTO rate_bucket AS b (user_id, tokens, updated_at, rps, burst)
            SELECT system_bucket, system_burst - 1, clock_timestamp(), system_rps, system_burst
            WHERE system_rps IS NOT NULL
            ON CONFLICT (user_id) DO UPDATE SET
                tokens = LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) - 1,
                updated_at = clock_timestamp(), rps = EXCLUDED.rps, burst = EXCLUDED.burst
            WHERE LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) >= 1
            RETURNING 1
        ),
        usr AS (
            INSERT INTO rate_bucket AS b (user_id, tokens, updated_at, rps, burst)
            SELECT originators[k], c.burst - 1, clock_timestamp(), c.rps, c.burst FROM usr_cap c
            ON CONFLICT (user_id) DO UPDATE SET
                tokens = LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) - 1,
                updated_at = clock_timestamp(), rps = EXCLUDED.rps, burst = EXCLUDED.burst
            WHERE LEAST(EXCLUDED.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * EXCLUDED.rps) >= 1
            RETURNING 1
        ),
        verdict AS (
            SELECT EXISTS (SELECT 1 FROM usr_cap) AND NOT EXISTS (SELECT 1 FROM usr)
                   AND (system_rps IS NULL OR NOT EXISTS (SELECT 1 FROM sys)) AS throttled
        ),
        ctr AS (
            INSERT INTO request_counter AS r (originator, last_counter)
            SELECT originators[k], counters[k] FROM verdict WHERE NOT verdict.throttled AND advance[k]
            ON CONFLICT (originator) DO UPDATE SET last_counter = EXCLUDED.last_counter, updated_at = now()
                WHERE r.last_counter < EXCLUDED.last_counter
            RETURNING 1
        )
        SELECT k,
               v.throttled,
               EXISTS (SELECT 1 FROM ctr),
               (SELECT c.rps FROM usr_cap c),
               (SELECT c.burst FROM usr_cap c),
               (SELECT LEAST(c.burst, b.tokens + EXTRACT(EPOCH FROM clock_timestamp() - b.updated_at) * c.rps)
                FROM rate_bucket b, usr_cap c WHERE b.user_id = originators[k]),
               (SELECT r.last_counter FROM request_counter r WHERE r.originator = originators[k])
        FROM verdict v;
    END LOOP;
END
$fn$;
