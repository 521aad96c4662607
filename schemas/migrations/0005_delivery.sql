-- Delivery: a resent message keeps its created_at and records when it was resent (the give-up horizon
-- counts from there).
ALTER TABLE outbox ADD COLUMN resent_at timestamptz;

-- Traffic management: each bucket row carries the allocation it was last refilled with, so one statement
-- can refill and debit it with the allocation read from dcc_user (or the system capacity) at that moment.
ALTER TABLE rate_bucket ADD COLUMN rps double precision, ADD COLUMN burst double precision;
