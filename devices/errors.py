"""Errors a device raises: a request it cannot interpret is the sender's fault, not the device's."""
from __future__ import annotations


class MalformedRequest(Exception):
    """A command carried a specification or a value the device cannot interpret; the device refuses that part
    of the command (a DLMS data-access-result of other-reason, a ZCL malformed-command status)."""
