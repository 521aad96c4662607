-- The SMKI repository of the simulator: every certificate it knows, with private keys where it holds them.
CREATE TABLE smki_credential (
    id              bigserial PRIMARY KEY,
    entity_id       text,
    usage           text NOT NULL,              -- ds | ka | xml-sign | dsp-xml-sign | ca
    role_code       text,
    authority_role  text,                       -- root | organisations | devices, for the simulator's CAs
    issuer          text NOT NULL,
    serial          numeric(50, 0) NOT NULL,
    cert_pem        text NOT NULL,
    key_pem         text,
    is_device       boolean NOT NULL DEFAULT false,
    preparatory     boolean NOT NULL DEFAULT false,
    source          text NOT NULL DEFAULT 'generated',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, serial)
);
CREATE INDEX smki_credential_entity_idx ON smki_credential (entity_id, usage);
