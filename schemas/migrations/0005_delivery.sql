-- Delivery: a resent message keeps its created_at and records when it was resent (the give-up horizon
-- counts from there).
ALTER TABLE outbox ADD COLUMN resent_at timestamptz;
