-- The inventory accepts only the SMI statuses and device types the simulator knows
-- (dccsim.inventory.models.DeviceStatus / DeviceType): a typo in code or in an estate file fails at the
-- database rather than leaving a device no Service Request can match.
ALTER TABLE device ADD CONSTRAINT device_status_known CHECK (status IN (
    'Pending', 'Whitelisted', 'InstalledNotCommissioned', 'Commissioned', 'Decommissioned', 'Withdrawn',
    'Suspended', 'NotCommissioned', 'Recovery', 'Recovered', 'RecoveryFailed'));
ALTER TABLE device ADD CONSTRAINT device_type_known CHECK (device_type IN (
    'ESME', 'GSME', 'CHF', 'GPF', 'PPMID', 'HCALCS', 'APC', 'IHD', 'CAD', 'Type2'));
