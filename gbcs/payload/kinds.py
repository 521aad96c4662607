"""The kinds of payload: one per format a GBCS payload comes in (``gbcs.Payload.kind``)."""

KINDS = ("dlms-access-request", "dlms-access-response", "dlms-data-notification", "gbz", "gbz-alert",
         "asn1", "raw")
