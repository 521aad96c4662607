"""Outcomes as the rest of the DCC uses them: the table by code, and the rejection that stops a request.

The table itself is ``dccsim.duis.outcome_table``; every code is a name of ``dccsim.duis.codes``
(generated from it), re-exported here.
"""
from __future__ import annotations

from dccsim.duis.codes import *  # noqa: F403 - every code, by name (the module is generated)
from dccsim.duis.codes import Code
from dccsim.duis.outcome_table import TABLE, Outcome

__all__ = ["OUTCOMES", "Code", "DuisRejection", "Outcome", "outcome"]

OUTCOMES: dict[str, Outcome] = {Code(o.key): o for o in TABLE}


def outcome(code: Code) -> Outcome:
    return OUTCOMES[code]


class DuisRejection(Exception):
    """Processing stops with this outcome; ``detail`` says why, in one line, for logs and HTTP bodies."""

    def __init__(self, code: Code, detail: str = "", *, headers: dict[str, str] | None = None):
        self.outcome = OUTCOMES[code]
        self.code = Code(self.outcome.key)
        self.detail = detail or self.outcome.meaning
        self.headers = headers or {}
        super().__init__(f"{code}: {self.detail}")
