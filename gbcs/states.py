"""The states of a message and of its checks, as enumerations of the text they show as."""
from __future__ import annotations

import enum


class Cra(enum.StrEnum):
    """What a message is (its CRA flag): a command, a response or an alert."""

    COMMAND = "command"
    RESPONSE = "response"
    ALERT = "alert"


class SignatureField(enum.StrEnum):
    """The signature element of a grouping header: left out, a zero length, or a signature."""

    ABSENT = "absent"
    EMPTY = "empty"
    PRESENT = "present"


class Check(enum.StrEnum):
    """The verdict on a MAC or a signature."""

    VERIFIED = "verified"
    FAILED = "failed"
    UNCHECKED = "unchecked"      # no keys to check it with
    ABSENT = "absent"            # nothing to check


class Decryption(enum.StrEnum):
    """What became of a message's encrypted parts."""

    DECRYPTED = "decrypted"      # all of them
    FAILED = "failed"            # a part's tag did not authenticate
    UNCHECKED = "unchecked"      # no keys
    ABSENT = "absent"            # the message has none
