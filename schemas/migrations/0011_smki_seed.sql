-- The seed a device's derived SMKI credentials come from (dccsim.smki.derived): one per database, so every
-- process and every host on it derives the same key pairs and certificates for a device on first use.
CREATE TABLE smki_seed (
    id    integer PRIMARY KEY CHECK (id = 1),
    seed  bytea NOT NULL CHECK (length(seed) = 32)
);
