"""Expectations against what came: each check gives the differences, in words, and does no I/O."""
from __future__ import annotations

import re

from dccsim.scenario.documents import Answer, DocumentKind, Received, element_texts
from dccsim.scenario.model import AlertExpectation, AnswerExpectation, BodyCheck, ResponseExpectation

__all__ = ["EXCERPT", "alert_matches", "check_answer", "check_body", "check_response", "excerpt"]

EXCERPT = 600     # characters of a body shown in a failure


_SIGNATURE = re.compile(r"<(\w+:)?Signature\b.*?</(\w+:)?Signature>", re.DOTALL)


def excerpt(body: bytes | str, limit: int = EXCERPT) -> str:
    """The start of a body to show in a failure, without the XML signature (which says nothing to a reader)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = _SIGNATURE.sub("<ds:Signature>…</ds:Signature>", text.strip())
    return text if len(text) <= limit else text[:limit] + f" … ({len(text) - limit} more characters)"


def check_body(checks: tuple[BodyCheck, ...], body: bytes) -> list[str]:
    problems = []
    for check in checks:
        texts = element_texts(body, check.path)
        if isinstance(check.expected, tuple):
            if tuple(texts) != check.expected:
                problems.append(f"{check.path} expected {list(check.expected)}, got {texts}")
        elif check.expected not in texts:
            problems.append(f"{check.path} expected {check.expected!r}, got "
                            f"{texts if texts else 'no such element'}")
    return problems


def _contains(expected: str | None, body: bytes) -> list[str]:
    if expected is None or expected in body.decode("utf-8", "replace"):
        return []
    return [f"expected the body to contain {expected!r}"]


def check_answer(expect: AnswerExpectation, answer: Answer) -> list[str]:
    """The synchronous answer against its expectation."""
    problems = []
    if expect.http is not None and answer.status != expect.http:
        problems.append(f"expected HTTP {expect.http}, got HTTP {answer.status}")
    if expect.code is not None and answer.code != expect.code:
        problems.append(f"expected code {expect.code}, got {answer.describe()}")
    return problems + _contains(expect.contains, answer.body) + check_body(expect.body, answer.body)


def check_response(expect: ResponseExpectation, response: Received) -> list[str]:
    """An asynchronous Response (or scheduled message) against its expectation."""
    problems = []
    if expect.code is not None and response.code != expect.code:
        problems.append(f"expected Response code {expect.code}, got {response.code}")
    if expect.use_case is not None and response.use_case != expect.use_case:
        problems.append(f"expected GBCS use case {expect.use_case}, got {response.use_case or 'no GBCS payload'}")
    return problems + _contains(expect.contains, response.body) + check_body(expect.body, response.body)


def alert_matches(expect: AlertExpectation, document: Received) -> bool:
    """Whether a received document is the alert expected (its code, content and body checks)."""
    if document.kind not in (DocumentKind.DEVICE_ALERT, DocumentKind.DCC_ALERT) or document.user != expect.to:
        return False
    if (document.code or "").upper() != expect.code.upper():
        return False
    return not _contains(expect.contains, document.body) and not check_body(expect.body, document.body)
