"""Hostile and careless input at the front door: never a 5xx, never an I0/I99 for a request whose signed
content changed, and the message log keeps recording whatever came before.

The regression cases are the four defects the front door once had: a canonicalisation error answered with
500, a declaration turned into a processing instruction accepted though the signature no longer covered
the document, a UTF-16 request that stopped the message log for good, and no stated rule for encodings.
The property test mutates freshly signed requests at random (slow tier)."""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from dccsim.delivery.message_log import messages_for
from dccsim.duis import client
from dccsim.duis.xmldsig import DuisSigner
from tests.duis.signature_cases import CHANGES, signed_request
from tests.integration.checks import assert_duis_answer, assert_rejected
from tests.integration.harness import template, zaz1_signer

INVENTORY = "8.2_READ_INVENTORY_REQUEST_DUIS.XML"


def _signed() -> bytes:
    return signed_request(template(INVENTORY), zaz1_signer())


async def test_a_namespace_declaration_with_a_relative_uri_is_a_signature_failure_not_a_500(running):
    change, _ = CHANGES["namespace declaration with a relative URI"]
    assert_rejected(await running.post("D", change(_signed())), 401, "canonicalised")


@pytest.mark.parametrize("name", ["declaration turned into a PI (x_l)", "declaration turned into a PI (yml)",
                                  "PI after the document element", "PI in the header"])
async def test_a_processing_instruction_the_signature_does_not_cover_is_refused(running, name):
    change, _ = CHANGES[name]
    assert_rejected(await running.post("D", change(_signed())), 401, "does not verify")


@pytest.mark.parametrize("name", ["comment in the body", "whitespace between elements", "as signed"])
async def test_what_the_signature_does_not_cover_leaves_it_valid(running, name):
    change, _ = CHANGES[name]
    assert_duis_answer(await running.post("D", change(_signed())), code="I0")


@pytest.mark.parametrize("where", [b"</ds:SignedInfo>", b"<ds:Reference", b"<ds:DigestValue>",
                                   b"<ds:X509IssuerSerial>", b"</ds:X509IssuerSerial>"])
async def test_text_where_the_signature_s_schema_allows_only_elements_is_a_schema_failure(running, where):
    # Nothing the signature covers changes (the signature is not digested), but the published schema, which
    # imports XML-DSig's, refuses the document: the simulator's own schema takes ds:Signature's content as it is.
    signed = _signed()
    at = signed.index(where) + (len(where) if where.startswith(b"</") else 0)
    assert_rejected(await running.post("D", signed[:at] + b"/ds:SignedInfo>" + signed[at:]), 400, "elements only")
    assert_duis_answer(await running.post("D", signed[:at] + b"\n  " + signed[at:]), code="I0")


async def test_text_in_the_signature_s_mixed_content_is_the_schema_s_to_allow(running):
    signed = _signed()
    at = signed.index(b"</ds:X509Data>") + len(b"</ds:X509Data>")     # ds:KeyInfo is mixed content
    assert_duis_answer(await running.post("D", signed[:at] + b"a key name" + signed[at:]), code="I0")


@pytest.mark.parametrize("document", [
    CHANGES["UTF-16"][0],                                              # another encoding, declared
    lambda d: d.decode().encode("utf-16"),                             # another encoding, undeclared
    CHANGES["declared ISO-8859-1"][0],                                 # declared other than UTF-8
    lambda d: d.replace(b"<sr:Body>", b"<sr:Body>\xff\xfe", 1),       # bytes that are not UTF-8
], ids=["utf-16 declared", "utf-16 undeclared", "latin-1 declared", "invalid utf-8"])
async def test_requests_that_are_not_utf8_are_refused_as_malformed(running, document):
    answer = await running.post("D", document(_signed()))
    assert_rejected(answer, 400)
    assert b"UTF-8" in answer.body or b"not well-formed" in answer.body


async def test_a_utf16_request_does_not_stop_the_message_log(running):
    assert_rejected(await running.post("D", CHANGES["UTF-16"][0](_signed())), 400)
    after = _signed()
    request_id = client.request_id_of(etree.fromstring(after))
    assert_duis_answer(await running.post("D", after), code="I0")
    await running.sim.message_log.flush()
    kinds = [m["kind"] for m in await messages_for(running.sim.db.pool, request_id)]
    assert kinds == ["request", "response"]


async def test_a_message_log_row_the_database_refuses_is_kept_with_a_note_and_the_rest_go_on(running):
    log = running.sim.message_log
    request_id = "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:77"
    for body in ("before", "a NUL \x00 in it", "a lone surrogate \ud800 in it", "after"):
        log.add(request_id=request_id, direction="in", kind="request", body=body)
    await log.flush()
    bodies = [r["body"] for r in await messages_for(running.sim.db.pool, request_id)]
    assert bodies[:2] == ["before", "a NUL \\x00 in it"] and bodies[3] == "after"
    assert bodies[2].startswith("(the body of this message could not be stored")


# --- random mutations of signed requests (slow tier) -------------------------------------------------

_INSERTS = [b"<?x?>", b"<?xml-stylesheet href='a'?>", b"<!--c-->", b" ", b"\n", b"\t", b'xmlns:z="urn:z" ',
            b'xmlns:xsi="httpz//x" ', b"<sr:Extra/>", b"&#56;", b"&amp;", b"<", b">", b"\x00", b"\xff",
            b"<sr:CommandVariant>8</sr:CommandVariant>"]


@st.composite
def mutations(draw):
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "insert-in-tag", "duplicate", "delete"]))
    return kind, draw(st.integers(min_value=0, max_value=10_000)), draw(st.integers(min_value=0, max_value=255)), \
        draw(st.sampled_from(_INSERTS)), draw(st.integers(min_value=1, max_value=64))


def _tag_ends(document: bytes) -> list[int]:
    """Where each start tag's name ends: a place for a declaration or an attribute."""
    found, at = [], document.find(b"<")
    while at != -1:
        end = at + 1
        while end < len(document) and document[end:end + 1] not in (b" ", b">", b"/"):
            end += 1
        if document[at + 1:at + 2] not in (b"/", b"?", b"!"):
            found.append(end)
        at = document.find(b"<", end)
    return found


def _mutate(document: bytes, mutation) -> bytes:
    kind, position, byte, insert, length = mutation
    at = position % (len(document) + 1)
    if kind == "flip":
        at = min(at, len(document) - 1)
        return document[:at] + bytes([document[at] ^ (byte or 1)]) + document[at + 1:]
    if kind == "truncate":
        return document[:at]
    if kind == "insert":
        return document[:at] + insert + document[at:]
    if kind == "insert-in-tag":
        ends = _tag_ends(document)
        at = ends[position % len(ends)]
        return document[:at] + b" " + insert.strip() + document[at:]
    if kind == "duplicate":
        return document[:at] + document[at:at + length] + document[at:]
    return document[:at] + document[at + length:]


_UNSIGNED_PARTS = ("{http://www.w3.org/2000/09/xmldsig#}SignatureValue", "{http://www.w3.org/2000/09/xmldsig#}KeyInfo")


def _signed_content(document: bytes) -> bytes | None:
    """What the signature covers, as a checker that follows the XML-DSig rules reads it: the canonical
    document (processing instructions outside the document element included; comments and the whitespace
    between elements not) with the signature's SignedInfo but not its value or key information. None if
    the bytes are not an XML document that can be canonicalised."""
    try:
        root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True,
                                                          remove_pis=False, remove_blank_text=True))
        for part in [*root.iter(*_UNSIGNED_PARTS)]:
            part.getparent().remove(part)
        return etree.tostring(root.getroottree(), method="c14n", exclusive=True, with_comments=False)
    except (etree.XMLSyntaxError, etree.C14NError, ValueError):
        return None


@pytest.mark.slow
async def test_mutated_signed_requests_never_get_a_5xx_nor_an_acceptance_of_changed_content(running):
    signer: DuisSigner = zaz1_signer()
    results: list[tuple[bytes, int, str | None]] = []

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(mutation=mutations())
    def explore(mutation):
        original = signed_request(template(INVENTORY), signer)
        mutated = _mutate(original, mutation)
        answer = asyncio.run_coroutine_threadsafe(running.post("D", mutated), loop).result(timeout=30)
        assert answer.status < 500, (mutation, answer.status, answer.body[:200])
        if answer.status == 200 and answer.code in ("I0", "I99"):
            changed = _signed_content(mutated)
            assert changed is not None and changed == _signed_content(original), \
                (mutation, mutated[:300], answer.code)
        results.append((mutated, answer.status, answer.code))

    loop = asyncio.get_running_loop()
    await asyncio.get_running_loop().run_in_executor(None, explore)
    assert len(results) >= 400
    assert_duis_answer(await running.post("D", _signed()), code="I0")     # and it still answers
