-- Simulated time, shared by every simulator process on this database (serve --clock simulated): one row,
-- moved forward only; every change is announced on 'dccsim_clock' with the new time (seconds since 1970) as the payload.
CREATE TABLE simulated_clock (
    id           integer PRIMARY KEY CHECK (id = 1),
    now          timestamptz NOT NULL
);

CREATE FUNCTION simulated_clock_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dccsim_clock', extract(epoch FROM NEW.now)::text);
    RETURN NULL;
END $$;

CREATE TRIGGER simulated_clock_moved AFTER INSERT OR UPDATE ON simulated_clock
    FOR EACH ROW EXECUTE FUNCTION simulated_clock_moved();
