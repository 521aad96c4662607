-- The SMKI repository service (dccsim.smki.service) retrieves a certificate by its serial number alone.
CREATE INDEX smki_credential_serial_idx ON smki_credential (serial);
