"""Errors that say whose fault they are: the bytes (``MalformedMessage``) or the caller (``UsageError``)."""


class GbcsError(Exception):
    """Base class of every error the library raises."""


class MalformedMessage(GbcsError, ValueError):
    """The bytes are not a well-formed GBCS message (truncated, bad length, unknown tag ...)."""


class UsageError(GbcsError):
    """The library was called wrongly (missing keys for an operation, inconsistent fields ...)."""


class VerificationError(GbcsError):
    """A MAC or signature that could be checked does not verify."""


# What walking a tree of the wrong shape raises: a missing key, a wrong type or value (a codec's
# MalformedMessage among them), a number out of range, an index past the end, nesting too deep.
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError, IndexError, RecursionError)
