-- The training console follows the message log live in every process: each batch written to it (a COPY or an
-- INSERT, from any worker) is announced once on dccsim_console. Outbox rows are announced on dccsim_outbox already.
CREATE FUNCTION dccsim_message_logged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dccsim_console', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER message_logged AFTER INSERT ON message_log
    FOR EACH STATEMENT EXECUTE FUNCTION dccsim_message_logged();
