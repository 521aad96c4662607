"""Where the tests find the project and the read-only reference corpus (``../shared``)."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
CONFORMANCE = SHARED / "conformance"
DUIS_TEMPLATES = CONFORMANCE / "duis-templates"
DUIS_SCHEMA = CONFORMANCE / "duis-schema"
GBCS_RTDS = CONFORMANCE / "gbcs-rtds"
KEYS_RTDS = CONFORMANCE / "keys" / "rtds"
KEYS_ZAZ1 = CONFORMANCE / "keys" / "zaz1"
REFERENCE = SHARED / "reference"
