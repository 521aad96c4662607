"""Expectations against what came: each check gives the differences, in words, and does no I/O."""
from __future__ import annotations

import json
import re
from typing import Any

import gbcs

from dccsim.scenario.documents import Answer, DocumentKind, Received, element_texts, payload_fields
from dccsim.scenario.model import AlertExpectation, AnswerExpectation, BodyCheck, ResponseExpectation

__all__ = ["EXCERPT", "alert_matches", "alert_problems", "check_answer", "check_body", "check_payload",
           "check_response", "excerpt", "field_values", "is_alert_for"]

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


_FIELD_STEP = re.compile(r"^(?P<name>[^\[\]/]+)(?:\[(?P<key>[^=\]]+)=(?P<value>[^\]]*)\])?$")


def _anywhere(fields: Any, name: str) -> list[Any]:
    if isinstance(fields, dict):
        found = [value for key, value in fields.items() if key == name]
        return found + [v for value in fields.values() for v in _anywhere(value, name)]
    if isinstance(fields, list):
        return [v for item in fields for v in _anywhere(item, name)]
    return []


def _items(values: list[Any]) -> list[Any]:
    return [item for value in values for item in (value if isinstance(value, list) else [value])]


def field_values(fields: Any, path: str) -> list[Any]:
    """The values a field path finds: its first name at any depth, each next one a child of the last; a
    ``[key=value]`` filter keeps the entries (of a list) whose ``key`` reads ``value``:
    ``records[attribute=Block1Threshold]/value``."""
    found: list[Any] | None = None
    for part in path.strip("/").split("/"):
        step = _FIELD_STEP.match(part.strip())
        if step is None:
            return []
        name = step["name"]
        found = _anywhere(fields, name) if found is None else \
            [item[name] for item in _items(found) if isinstance(item, dict) and name in item]
        if step["key"] is not None:
            found = [item for item in _items(found) if isinstance(item, dict)
                     and _field_text(item.get(step["key"])) == step["value"]]
    return found or []


def _field_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)


def check_payload(checks: tuple[BodyCheck, ...], payload: bytes | None, keys: gbcs.KeyStore | None) -> list[str]:
    """Named fields of a GBCS payload (decrypted with the user's keys), found at any depth."""
    if not checks:
        return []
    fields = payload_fields(payload, keys)
    if fields is None:
        return ["expected a GBCS payload that decodes, got " + ("none" if not payload else "one that does not")]
    problems = []
    for check in checks:
        texts = [_field_text(v) for v in field_values(fields, check.path)]
        expected = list(check.expected) if isinstance(check.expected, tuple) else None
        if expected is not None and texts != expected or expected is None and check.expected not in texts:
            problems.append(f"payload field {check.path} expected {expected or repr(check.expected)}, got "
                            f"{texts if texts else 'no such field'}")
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


def check_response(expect: ResponseExpectation, response: Received, keys: gbcs.KeyStore | None = None) -> list[str]:
    """An asynchronous Response (or scheduled message) against its expectation (``keys``: the user's, to read
    its payload)."""
    problems = []
    if expect.code is not None and response.code != expect.code:
        problems.append(f"expected Response code {expect.code}, got {response.code}")
    if expect.use_case is not None and response.use_case != expect.use_case:
        problems.append(f"expected GBCS use case {expect.use_case}, got {response.use_case or 'no GBCS payload'}")
    return problems + _contains(expect.contains, response.body) + check_body(expect.body, response.body) + \
        check_payload(expect.payload, response.payload, keys)


def alert_problems(expect: AlertExpectation, document: Received, keys: gbcs.KeyStore | None = None) -> list[str]:
    """How an alert of the expected code and user differs from the expectation (its content, body and payload)."""
    return _contains(expect.contains, document.body) + check_body(expect.body, document.body) + \
        check_payload(expect.payload, document.payload, keys)


def is_alert_for(expect: AlertExpectation, document: Received) -> bool:
    """Whether a document is an alert of the expected code to the expected user."""
    return document.kind in (DocumentKind.DEVICE_ALERT, DocumentKind.DCC_ALERT) and document.user == expect.to \
        and (document.code or "").upper() == expect.code.upper()


def alert_matches(expect: AlertExpectation, document: Received, keys: gbcs.KeyStore | None = None) -> bool:
    """Whether a received document is the alert expected."""
    return is_alert_for(expect, document) and not alert_problems(expect, document, keys)
