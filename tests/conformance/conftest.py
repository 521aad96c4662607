"""Conformance tests share the integration fixtures (a running simulator on a fresh database)."""
from tests.integration.conftest import running  # noqa: F401
