-- The save of a device's state with its job's outcome (see 0015_device_state_versions.sql), in one statement.
--
-- Its statements run on generic plans (plan_cache_mode = force_generic_plan). Under PostgreSQL's default
-- choice, the insert into the outbox, whose rows come from unnest() of array parameters, was planned afresh on
-- every call: a custom plan knows each array's length, so it always looked cheaper than the generic plan,
-- which assumes a default length of ten. That planning was about a seventh of the database's CPU on the device
-- path. A user's endpoint is read by its key for each message queued, so the generic plan does not scan
-- dcc_user. The state is JSON text (0016_device_state_text.sql).
--
-- The job is locked by its key alone, its status read from the locked row. Locked as "its id and pending", a
-- generic plan made while device_job was empty (a new database: a session plans once and keeps the plan) could
-- take the partial index of pending jobs by device, (device_id, id), and read the whole of it for the id, every
-- entry of every job done since the last vacuum. Over a large estate, where that index holds an entry for each
-- device met, this grew with every job until autovacuum first analysed device_job (an ANALYZE makes every session
-- plan again): about 40 µs of the database's CPU a request after 10 s of
-- `dccsim bench --workload device --spread 100000` (perf).

-- ``outcome``: 'saved'; 'skipped' (the job is done already: nothing is written); 'deferred' (an older job for the
-- device waits to run first: nothing is written); 'conflict' (the state is no longer at ``expected``, or —
-- expected NULL — a first state was saved meanwhile: nothing is written). A NULL ``state`` saves no state (the
-- outcome of a job that reached no device). With ``lease`` (seconds: the queueing process delivers its messages
-- itself), each message that is its user's only pending one is queued leased, for that process to deliver
-- without claiming it: ``handed`` gives their ids and ``endpoints`` their users' endpoints, in the messages'
-- order (NULL for a message left to be claimed).
CREATE OR REPLACE FUNCTION save_device_outcome(
    p_device text, p_expected bigint, p_state text, p_job bigint, p_now timestamptz,
    p_users text[], p_requests text[], p_responses text[], p_kinds text[], p_bodies text[],
    p_channel text, p_prefix text, p_next_timer timestamptz, p_hub_log text[], p_format integer, p_lease float8,
    OUT outcome text, OUT handed bigint[], OUT endpoints text[])
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
    v_status text;
BEGIN
    IF p_job IS NOT NULL THEN
        -- By its key alone (see above); a job another transaction has just closed is read as it is now.
        SELECT j.status INTO v_status FROM device_job j WHERE j.id = p_job FOR UPDATE;
        IF v_status IS DISTINCT FROM 'pending' THEN
            outcome := 'skipped';
            RETURN;
        END IF;
        IF EXISTS (SELECT 1 FROM device_job o WHERE o.device_id = p_device AND o.status = 'pending'
                   AND o.id < p_job AND (o.not_before IS NULL OR o.not_before <= p_now)) THEN
            outcome := 'deferred';
            RETURN;
        END IF;
    END IF;
    IF p_state IS NOT NULL THEN
        IF p_expected IS NULL THEN
            INSERT INTO device_state (device_id, state, updated_at, next_timer_at, hub_device_log, format_version,
                                      version)
            VALUES (p_device, p_state, now(), p_next_timer, p_hub_log, p_format, 1)
            ON CONFLICT (device_id) DO NOTHING;
        ELSE
            UPDATE device_state SET state = p_state, updated_at = now(), next_timer_at = p_next_timer,
                hub_device_log = p_hub_log, format_version = p_format, version = version + 1
            WHERE device_id = p_device AND version = p_expected;
        END IF;
        IF NOT FOUND THEN
            outcome := 'conflict';
            RETURN;
        END IF;
    END IF;
    IF p_job IS NOT NULL THEN
        UPDATE device_job SET status = 'done', done_at = now(), lease_until = NULL WHERE id = p_job;
    END IF;
    IF cardinality(p_users) > 0 THEN
        -- Ids are drawn in the messages' order, so the rows sorted by id are the messages in order. Rows of this
        -- statement are not visible to it: a pending row it sees for a user is an older one.
        WITH added AS (
            INSERT INTO outbox (user_id, request_id, response_id, kind, body, lease_until, attempts)
            SELECT m.u, m.r, m.i, m.k, m.b,
                   CASE WHEN m.leased THEN now() + make_interval(secs => p_lease) END,
                   CASE WHEN m.leased THEN 1 ELSE 0 END
            FROM (SELECT u, r, i, k, b, n,
                         p_lease IS NOT NULL AND row_number() OVER (PARTITION BY u ORDER BY n) = 1
                         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.user_id = u AND o.status = 'pending') AS leased
                  FROM unnest(p_users, p_requests, p_responses, p_kinds, p_bodies)
                      WITH ORDINALITY AS given(u, r, i, k, b, n)) m
            ORDER BY m.n
            RETURNING id, user_id, lease_until IS NOT NULL AS leased
        )
        SELECT array_agg(CASE WHEN a.leased THEN a.id END ORDER BY a.id),
               array_agg(CASE WHEN a.leased THEN (SELECT u.response_endpoint FROM dcc_user u
                                                  WHERE u.entity_id = a.user_id) END ORDER BY a.id)
        INTO handed, endpoints
        FROM added a;
        IF p_channel IS NOT NULL THEN
            PERFORM pg_notify(p_channel, p_prefix || u) FROM (SELECT DISTINCT unnest(p_users) AS u) users;
        END IF;
    END IF;
    outcome := 'saved';
END
$fn$;
