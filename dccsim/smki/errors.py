"""SMKI errors."""


class SmkiError(Exception):
    """Base class of SMKI problems."""


class CertificateExpired(SmkiError):
    """A certificate is outside its validity period and validity is enforced."""
