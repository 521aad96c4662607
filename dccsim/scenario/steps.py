"""A scenario's steps carried out against its simulator, one coroutine per kind of step."""
from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

from lxml import etree

import gbcs
from dccsim.catalogue import CATALOGUE
from dccsim.catalogue.requests import build_request, set_values
from dccsim.delivery.message_log import format_messages
from dccsim.duis import client as duis_client
from dccsim.duis.ids import RequestId, canonical_request_id, dashed, normalise_eui
from dccsim.duis.namespaces import sr
from dccsim.duis.outcomes import I0
from dccsim.duis.transform import TRANSFORM_VARIANT, TransformError, to_signed_precommand
from dccsim.scenario.checks import (alert_matches, alert_problems, check_answer, check_response, excerpt,
                                    is_alert_for)
from dccsim.scenario.client import NoSuchEndpoint, SimulatorClient
from dccsim.scenario.documents import Answer, DocumentKind, Received, element_texts, payload_fields
from dccsim.scenario.keys import KeyFolder
from dccsim.scenario.model import (Advance, AlertExpectation, CatalogueSource, DeviceEvent, ExpectAlert,
                                   ExpectNoAlert, ExpectResponse, ExpectScheduled, Fault, Rekey, Scenario, Send, Step)
from dccsim.scenario.receiver import Inbox

__all__ = ["RUNNERS", "Session", "StepFailed", "StepError"]

POLL = 0.1          # seconds between looks at what the simulator still has to do
LOG_WAIT = 2.0      # seconds a request's message log may take to be written
LOG_BODY_LIMIT = 400
CERTIFICATE_USAGES = ("ds", "ka", "pp-ka")     # a user's GBCS certificates a request may carry
PAYLOAD_LIMIT = 3000


class StepFailed(Exception):
    """A step's expectations were not met."""

    def __init__(self, summary: str, problems: list[str], details: str = ""):
        super().__init__("; ".join(problems))
        self.summary = summary
        self.problems = problems
        self.details = details


class StepError(Exception):
    """A step could not be carried out as written (the message says why)."""


@dataclass
class Session:
    """One scenario's run: its simulator, its users' keys and inbox, and the values its steps saved."""

    scenario: Scenario
    release: str
    client: SimulatorClient
    keys: KeyFolder
    inbox: Inbox
    variables: dict[str, str] = field(default_factory=dict)
    utrn_counters: dict[tuple[str, str], int] = field(default_factory=dict)
    keep: Path | None = None

    # --- values ---------------------------------------------------------------------------------------

    def substitute(self, text: str) -> str:
        def value(match: re.Match) -> str:
            name = match.group(1)
            if name not in self.variables:
                raise StepError(f"${{{name}}} is not saved by an earlier step (saved: "
                                f"{', '.join(sorted(self.variables)) or 'none'})")
            return self.variables[name]
        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", value, text)

    def resolve(self, value: Any, *, originator: str | None = None, target: str | None = None) -> Any:
        """Values with ``${name}`` filled in, ``{utrn: {pence: N}}`` turned into the UTRN the originator issues
        the target (or ``meter:``) under the next UTRN counter (or ``counter:``), ``{certificate: ds}`` into the
        originator's certificate (DER) and ``{file: PATH}`` into that file's bytes."""
        if isinstance(value, str):
            return self.substitute(value)
        if isinstance(value, list):
            return [self.resolve(item, originator=originator, target=target) for item in value]
        if isinstance(value, Mapping):
            if set(value) == {"utrn"}:
                return self._utrn(value["utrn"], originator, target)
            if set(value) == {"certificate"}:
                return self._certificate(value["certificate"], originator)
            if set(value) == {"file"}:
                path = Path(self.substitute(str(value["file"])))
                path = path if path.is_absolute() else self.scenario.where.file.parent / path
                try:
                    return path.read_bytes()
                except OSError as exc:
                    raise StepError(f"cannot read {path}: {exc.strerror}") from None
            return {key: self.resolve(item, originator=originator, target=target) for key, item in value.items()}
        return value

    def _certificate(self, spec: Any, originator: str | None) -> bytes:
        """``{certificate: ds}`` (or ``ka``, ``pp-ka``): the sender's own certificate of that usage;
        ``{certificate: {of: USER, usage: ds}}`` another user's; ``{certificate: {authority: organisations}}``
        a certificate authority's."""
        if isinstance(spec, Mapping) and set(spec) == {"authority"}:
            return self.keys.authority(str(spec["authority"]))
        owner, usage = (spec.get("of"), spec.get("usage")) if isinstance(spec, Mapping) else (originator, spec)
        if usage not in CERTIFICATE_USAGES or owner is None:
            raise StepError("a certificate is {certificate: ds | ka | pp-ka}, {certificate: {of: USER, usage: ds}} "
                            "or {certificate: {authority: NAME}}")
        try:
            return self.keys.certificate(normalise_eui(str(owner)), str(usage))
        except ValueError:
            raise StepError(f"a certificate's owner {owner!r} is not an EUI-64") from None

    def _utrn(self, spec: Any, supplier: str | None, meter: str | None) -> str:
        if not isinstance(spec, Mapping) or len({"pence", "pounds"} & set(spec)) != 1 \
                or set(spec) - {"pence", "pounds", "counter", "meter"}:
            raise StepError("a UTRN is {utrn: {pence: N}} or {utrn: {pounds: N}}, with counter: N and meter: "
                            "DEVICE if wanted")
        if spec.get("meter") is not None:
            try:
                meter = normalise_eui(str(spec["meter"]))
            except ValueError:
                raise StepError(f"a UTRN's meter {spec['meter']!r} is not an EUI-64") from None
        if supplier is None or meter is None:
            raise StepError("a UTRN needs the request's supplier and meter")
        value_class = "pence" if "pence" in spec else "pounds"
        counter = spec.get("counter")
        if counter is None:
            counter = self.utrn_counters.get((supplier, meter), 0) + 1
        try:
            counter, value = int(str(counter)), int(str(spec[value_class]))
            text = self.keys.utrn(value, supplier=supplier, meter=meter, utrn_counter=counter,
                                  value_class="pennies" if value_class == "pence" else "pounds")
        except ValueError as exc:
            raise StepError(f"cannot make the UTRN: {exc}") from None
        except gbcs.GbcsError as exc:
            raise StepError(f"cannot make the UTRN: {exc}") from None
        self.utrn_counters[(supplier, meter)] = max(counter, self.utrn_counters.get((supplier, meter), 0))
        return text

    # --- waiting --------------------------------------------------------------------------------------

    async def wait_for(self, match: Callable[[Received], bool], within: float, *, take: bool = True) \
            -> Received | None:
        """The first matching document not yet taken, as soon as it arrives; None once ``within`` seconds
        (real time) have passed, or sooner when the simulator has nothing left to deliver and it has not come."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            found = self.inbox.find(match, take=take)
            if found is not None:
                return found
            if await self.client.pending() == 0:
                return self.inbox.find(match, take=take)
            if asyncio.get_running_loop().time() >= deadline:
                return None
            await self.inbox.arrival(POLL)

    async def settle(self, within: float) -> bool:
        """Wait until the simulator has delivered every consequence of what it was sent (True), at most
        ``within`` seconds."""
        deadline = asyncio.get_running_loop().time() + within
        while await self.client.pending():
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(POLL)
        return True

    async def log_of(self, request_id: str) -> str:
        # The simulator writes its message log in batches off the request path: an answer can arrive before
        # the log of the request it answers is written, so an empty log is looked at again for a moment.
        deadline = asyncio.get_running_loop().time() + LOG_WAIT
        while not (rows := await self.client.messages(request_id)) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(POLL / 4)
        if not rows:
            return f"(the simulator logged nothing for {request_id})"
        return format_messages([{**row, "body": excerpt(row["body"] or "", LOG_BODY_LIMIT)} for row in rows])

    # --- sending --------------------------------------------------------------------------------------

    async def exchange(self, root: etree._Element, signed_cv: int) -> tuple[Answer, bool]:
        """Sign and send a request; a critical one (CV 4) goes through the transform route: its Pre-Command is
        signed with the originator's GBCS key and sent back as CV ``signed_cv`` under the same RequestID.
        Returns the final synchronous answer and whether the transform route was taken."""
        header = root.find(sr("Header"))
        cv = int(header.findtext(sr("CommandVariant")))
        originator = RequestId.parse(duis_client.request_id_of(root)).originator
        signer = self.keys.xml_signer(originator)
        if self.keep is not None:
            self._keep(root)
        answer = await self.client.send(cv, duis_client.sign(root, signer))
        if cv != TRANSFORM_VARIANT or answer.status != 200 or answer.code != I0:
            return answer, False
        try:
            to_signed_precommand(root, answer.body, self.keys.gbcs_signing_key(originator), signed_cv)
        except TransformError as exc:
            raise StepError(str(exc)) from None
        if self.keep is not None:
            self._keep(root)
        return await self.client.send(signed_cv, duis_client.sign(root, signer)), True

    def _keep(self, root: etree._Element) -> None:
        folder = self.keep / "sent"
        folder.mkdir(parents=True, exist_ok=True)
        count = len(list(folder.iterdir())) + 1
        (folder / f"{count:04d}.xml").write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _answer_details(answer: Answer) -> str:
    return f"answer: {answer.describe()}\n{excerpt(answer.body)}"


def _document_details(what: str, document: Received, session: Session) -> str:
    lines = [f"{what}:", excerpt(document.body)]
    fields = payload_fields(document.payload, session.keys.gbcs_keys())
    if fields is not None:
        lines += ["its GBCS payload's fields (read with the user's keys):",
                  excerpt(json.dumps(fields, default=str), PAYLOAD_LIMIT)]
    return "\n".join(lines)


def _request_of(step: Send, session: Session, now: datetime) -> tuple[etree._Element, int]:
    """The unsigned request a send step makes, and the CommandVariant a critical one is signed as."""
    source = step.source
    if isinstance(source, CatalogueSource):
        spec = CATALOGUE.get(source.variant)
        if spec is None:
            raise StepError(f"no Service Request variant {source.variant!r} in the catalogue")
        originator = step.as_user or session.scenario.user
        body = session.resolve(source.body, originator=originator, target=source.device)
        # A critical SR goes through the transform service, unless sent as a SMETS1 device takes it (cv: 1).
        transform = spec.critical and step.command_variant != 1
        root = build_request(source.variant, originator=originator, device=source.device, body=body,
                             command_variant=4 if transform else step.command_variant, now=now)
        return root, step.command_variant or 5
    try:
        root = duis_client.prepare(source.path.read_bytes(), originator=dashed(step.as_user) if step.as_user else None)
    except (OSError, ValueError, etree.XMLSyntaxError) as exc:
        raise StepError(f"{source.path} is not a DUIS request: {exc}") from None
    header = root.find(sr("Header"))
    if step.command_variant is not None and header.findtext(sr("CommandVariant")) != "4":
        header.find(sr("CommandVariant")).text = str(step.command_variant)
    return root, step.command_variant or 5


async def run_send(step: Send, session: Session) -> str:
    now = await session.client.now()
    root, signed_cv = _request_of(step, session, now)
    request_id = RequestId.parse(duis_client.request_id_of(root))
    if step.values:
        set_values(root, session.resolve(step.values, originator=request_id.originator, target=request_id.target),
                   now=now)
    answer, transformed = await session.exchange(root, signed_cv)
    rid = str(request_id)
    expect = step.expect.get(session.release)
    summary = answer.describe() + (" (after the transform)" if transformed else "")
    problems = check_answer(expect, answer) if expect is not None else []
    response = None
    if expect is not None and expect.response is not None:
        response = await session.wait_for(
            lambda d: d.kind is DocumentKind.RESPONSE and d.request_id == rid, expect.response.within.total_seconds())
        if response is None:
            problems.append("no Response arrived (the simulator has nothing more to deliver)")
        else:
            summary += f", Response {response.code}" + (f" {response.use_case}" if response.use_case else "")
            problems += check_response(expect.response, response, session.keys.gbcs_keys())
    _save(step, session, rid, answer, response, problems)
    if problems:
        details = [_answer_details(answer)]
        if response is not None:
            details.append(_document_details("Response", response, session))
        details.append(f"message log of {rid}:\n{await session.log_of(rid)}")
        raise StepFailed(summary, problems, "\n".join(details))
    return summary


def _save(step: Send, session: Session, rid: str, answer: Answer, response: Received | None,
          problems: list[str]) -> None:
    for name, element in step.save.items():
        if element == "RequestID":
            session.variables[name] = rid
            continue
        found = [t for doc in (answer.body, response.body if response else b"") for t in element_texts(doc, element)]
        if found:
            session.variables[name] = found[0]
        else:
            problems.append(f"nothing to save as {name}: no {element} in the answer")


async def run_advance(step: Advance, session: Session) -> str:
    payload = {"duration": f"{step.duration.total_seconds()}s"} if step.duration is not None \
        else {"to": step.to.isoformat()}
    now = await session.client.advance(payload)
    return f"the clock is at {now.isoformat()}"


async def run_expect_response(step: ExpectResponse, session: Session) -> str:
    expect = step.expect.get(session.release)
    if expect is None:
        return f"nothing expected under {session.release}"
    rid = canonical_request_id(session.substitute(expect.request))
    response = await session.wait_for(lambda d: d.kind is DocumentKind.RESPONSE and d.request_id == rid,
                                      expect.within.total_seconds())
    if response is None:
        raise StepFailed("no Response", [f"no Response to {rid} arrived (the simulator has nothing more to "
                                         f"deliver)"], f"message log of {rid}:\n{await session.log_of(rid)}")
    summary = f"Response {response.code}" + (f" {response.use_case}" if response.use_case else "")
    problems = check_response(expect, response, session.keys.gbcs_keys())
    if problems:
        raise StepFailed(summary, problems, f"{_document_details('Response', response, session)}\n"
                                            f"message log of {rid}:\n{await session.log_of(rid)}")
    return summary


def _alerts_for(session: Session, user: str) -> list[Received]:
    return session.inbox.matching(lambda d: d.user == user and d.kind in (DocumentKind.DEVICE_ALERT,
                                                                          DocumentKind.DCC_ALERT))


def _alert_text(expect: AlertExpectation) -> str:
    code = f"0x{expect.code}" if re.fullmatch(r"[0-9A-F]{4}", expect.code) else expect.code
    return f"{code} to {dashed(expect.to)}"


async def run_expect_alert(step: ExpectAlert, session: Session) -> str:
    expect = step.alert.get(session.release)
    if expect is None:
        return f"nothing expected under {session.release}"
    found = await session.wait_for(lambda d: alert_matches(expect, d, session.keys.gbcs_keys()),
                                   expect.within.total_seconds())
    if found is None:
        others = ", ".join(d.describe() for d in _alerts_for(session, expect.to)) or "none"
        details = [f"alerts {dashed(expect.to)} received and no step has taken: {others}"]
        near = session.inbox.matching(lambda d: is_alert_for(expect, d))
        if near:
            problems = alert_problems(expect, near[0], session.keys.gbcs_keys())
            details += [f"the first {_alert_text(expect)} differs: {'; '.join(problems)}",
                        _document_details("it", near[0], session)]
        raise StepFailed("no such alert", [f"no alert {_alert_text(expect)} arrived"
                                           + (" with what was expected" if near else "")], "\n".join(details))
    return f"{found.describe()} to {dashed(found.user)}"


async def run_expect_no_alert(step: ExpectNoAlert, session: Session) -> str:
    expect = step.alert.get(session.release)
    if expect is None:
        return f"nothing expected under {session.release}"
    if not await session.settle(expect.within.total_seconds()):
        raise StepError(f"the simulator was still busy after {expect.within.total_seconds():g} s")
    found = session.inbox.matching(lambda d: alert_matches(expect, d, session.keys.gbcs_keys()))
    if found:
        raise StepFailed(f"{len(found)} alerts", [f"expected no alert {_alert_text(expect)}, got {len(found)}"],
                         _document_details("the first", found[0], session))
    return f"no alert {_alert_text(expect)}"


async def run_expect_scheduled(step: ExpectScheduled, session: Session) -> str:
    if not await session.settle(step.within.total_seconds()):
        raise StepError(f"the simulator was still busy after {step.within.total_seconds():g} s")
    schedule = session.substitute(step.schedule) if step.schedule else None
    found = session.inbox.matching(lambda d: d.kind is DocumentKind.SCHEDULED and d.user == step.to
                                   and (schedule is None or d.schedule_id == schedule))
    summary = f"{len(found)} scheduled messages to {dashed(step.to)}"
    problems = []
    if len(found) != step.count:
        problems.append(f"expected {step.count} scheduled messages, got {len(found)}")
    wrong = [d for d in found if step.code is not None and d.code != step.code
             or step.use_case is not None and d.use_case != step.use_case]
    if wrong:
        problems.append(f"{len(wrong)} of them are not {step.code or ''} {step.use_case or ''}".replace("  ", " ")
                        + f" (the first: {wrong[0].code} {wrong[0].use_case})")
    for document in found:
        session.inbox.find(lambda d, document=document: d is document, take=True)
    if problems:
        raise StepFailed(summary, problems, _document_details("the first", found[0], session) if found else "")
    return summary


async def run_event(step: DeviceEvent, session: Session) -> str:
    try:
        answer = await session.client.event(step.device, {"event": step.event, **step.details})
    except NoSuchEndpoint:
        raise StepFailed("no device events", ["device events are not available in this simulator (it has no "
                                              "POST /admin/devices/{id}/events)"]) from None
    return f"{step.event} on {dashed(step.device)}" + (f": {answer}" if answer else "")


async def run_fault(step: Fault, session: Session) -> str:
    faults = {name: value for name, value in (("offline", step.offline), ("latency_ms", step.latency_ms),
                                              ("loss", step.loss)) if value is not None}
    answer = await session.client.fault(step.device, faults)
    return f"offline={answer.get('offline')} latency={answer.get('latency_ms')} ms loss={answer.get('loss')}"


async def run_rekey(step: Rekey, session: Session) -> str:
    answer = await session.client.rekey(step.device, step.credential)
    return f"the device holds a new {step.credential} certificate (serial {answer.get('serial')})"


RUNNERS: dict[type[Step], Callable[[Any, Session], Awaitable[str]]] = {
    Send: run_send,
    Advance: run_advance,
    ExpectResponse: run_expect_response,
    ExpectAlert: run_expect_alert,
    ExpectNoAlert: run_expect_no_alert,
    ExpectScheduled: run_expect_scheduled,
    DeviceEvent: run_event,
    Fault: run_fault,
    Rekey: run_rekey,
}
