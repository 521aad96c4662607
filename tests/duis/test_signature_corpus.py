"""The signature check gives the Java validator's verdict on every case of the corpus
(``tests/duis/signature_cases.py``), on the fast path and on the signxml path alike; the front door refuses
what is not UTF-8 before it checks a signature."""
from __future__ import annotations

import pytest

from dccsim.duis import safexml, xmldsig
from dccsim.duis.outcomes import HTTP_400_MALFORMED, HTTP_401_SIGNATURE, DuisRejection
from tests.duis.signature_cases import CHANGES, FAIL, PASS, REFUSED_AS_NOT_UTF8, SIGNED_AS, STRICTER, signed_request
from tests.integration.harness import template, zaz1_signer
from tests.paths import DUIS_TEMPLATES, KEYS_ZAZ1

pytestmark = pytest.mark.skipif(not (DUIS_TEMPLATES.exists() and KEYS_ZAZ1.exists()),
                                reason="shared templates and keys not available")

TEMPLATE = "8.2_READ_INVENTORY_REQUEST_DUIS.XML"


@pytest.fixture(scope="module")
def signer():
    return zaz1_signer()


@pytest.fixture(scope="module")
def signed(signer):
    return signed_request(template(TEMPLATE), signer)


def _verdict(document: bytes, certificate, verify) -> str:
    try:
        verify(safexml.parse_request(document), certificate)
    except DuisRejection as rejection:
        assert rejection.code == HTTP_401_SIGNATURE, rejection
        return FAIL
    return PASS


def _expected(name: str, java: str) -> str:
    return FAIL if name in STRICTER else java


@pytest.mark.parametrize("name", [n for n in CHANGES if n not in REFUSED_AS_NOT_UTF8])
@pytest.mark.parametrize("path", [xmldsig.verify, xmldsig.verify_with_signxml], ids=["fast", "signxml"])
def test_a_changed_request_gets_the_java_validators_verdict(name, path, signed, signer):
    change, java = CHANGES[name]
    assert _verdict(change(signed), signer.certificate, path) == _expected(name, java)


@pytest.mark.parametrize("name", list(SIGNED_AS))
@pytest.mark.parametrize("path", [xmldsig.verify, xmldsig.verify_with_signxml], ids=["fast", "signxml"])
def test_a_request_signed_over_comments_and_instructions_verifies(name, path, signer):
    prepare, java = SIGNED_AS[name]
    assert _verdict(signed_request(template(TEMPLATE), signer, prepare=prepare), signer.certificate, path) == java


@pytest.mark.parametrize("name", sorted(REFUSED_AS_NOT_UTF8))
def test_what_is_not_utf8_is_refused_before_its_signature_is_checked(name, signed):
    change, _java = CHANGES[name]
    with pytest.raises(DuisRejection) as refused:
        safexml.parse_request(change(signed))
    assert refused.value.code == HTTP_400_MALFORMED and "UTF-8" in refused.value.detail


def test_every_difference_from_the_java_validator_is_one_way_and_explained():
    assert set(STRICTER) <= set(CHANGES) and all(CHANGES[name][1] == PASS for name in STRICTER)
