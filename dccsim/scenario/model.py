"""Scenario files read into typed, frozen scenarios, every mistake reported with its file and line."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Generic, Mapping, TypeVar

import yaml

from dccsim.duis.ids import dashed, normalise_eui
from dccsim.runtime.releases import PROFILES
from dccsim.timing.clock import parse_duration

__all__ = [
    "Advance", "AlertExpectation", "AnswerExpectation", "BodyCheck", "BrokenScenario", "CREDENTIALS",
    "CatalogueSource", "DEFAULT_USER", "DEMO_ESTATE", "DeviceEvent", "ExpectAlert", "ExpectNoAlert",
    "ExpectResponse", "ExpectScheduled", "Fault", "Location", "PerRelease", "Rekey", "ResponseExpectation",
    "STEP_READERS", "Scenario", "ScenarioError", "ScenarioFile", "Send", "Step", "TemplateSource", "load_file",
    "parse_text",
]

# Catalogue-built requests are sent as this user unless the scenario (``user:``) or the step (``as:``) names
# another: the supplier of the demo estate (GITTESTSUPPLIER).
DEFAULT_USER = "90B3D51F30010000"
DEMO_ESTATE = "demo"
DEFAULT_WITHIN = timedelta(seconds=20)


@dataclass(frozen=True)
class Location:
    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class ScenarioError(ValueError):
    """A scenario file is at fault — its YAML, a key, a value, a file it names. The message starts with the
    file and line."""

    def __init__(self, where: Location | None, message: str):
        self.where = where
        self.reason = message
        super().__init__(f"{where}: {message}" if where is not None else message)


T = TypeVar("T")


@dataclass(frozen=True)
class PerRelease(Generic[T]):
    """A value for every release, or one per release named (a release left out has none)."""

    every: T | None = None
    by_release: Mapping[str, T] = field(default_factory=dict)

    def get(self, release: str) -> T | None:
        return self.by_release.get(release, self.every) if self.by_release else self.every


# --- what a step sends ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateSource:
    """A DUIS request file; its RequestID names the originator unless the step says ``as:``."""

    path: Path

    def describe(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class CatalogueSource:
    """A request built from the SR catalogue's body model of ``variant``."""

    variant: str
    device: str | None
    body: Mapping[str, Any]

    def describe(self) -> str:
        return f"{self.variant}" + (f" to {dashed(self.device)}" if self.device else "")


# --- what a step expects --------------------------------------------------------------------------------

@dataclass(frozen=True)
class BodyCheck:
    """Element text by local name (or ``Parent/Child`` path): one value is met by any element there, a list
    must be the texts of all of them, in order. For a GBCS payload: a named field, at any depth."""

    path: str
    expected: str | tuple[str, ...]


@dataclass(frozen=True)
class ResponseExpectation:
    """The asynchronous Response to a device Service Request."""

    code: str | None = None
    use_case: str | None = None
    contains: str | None = None
    body: tuple[BodyCheck, ...] = ()
    within: timedelta = DEFAULT_WITHIN
    request: str | None = None           # expect_response: the RequestID (e.g. ${tariff} saved by send)
    payload: tuple[BodyCheck, ...] = ()  # named fields of the GBCS payload, decrypted with the user's keys


@dataclass(frozen=True)
class AnswerExpectation:
    """The synchronous answer (``code`` of the final answer after the transform route; ``http`` status), and
    optionally the Response that follows."""

    code: str | None = None
    http: int | None = None
    contains: str | None = None
    body: tuple[BodyCheck, ...] = ()
    response: ResponseExpectation | None = None


@dataclass(frozen=True)
class AlertExpectation:
    """A device alert (``0x8F66``) or DCC alert (``N49``) for a user."""

    to: str
    code: str
    within: timedelta = DEFAULT_WITHIN
    contains: str | None = None
    body: tuple[BodyCheck, ...] = ()
    payload: tuple[BodyCheck, ...] = ()


# --- steps ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    where: Location
    releases: frozenset[str] | None

    def applies(self, release: str) -> bool:
        return self.releases is None or release in self.releases


@dataclass(frozen=True)
class Send(Step):
    source: TemplateSource | CatalogueSource
    as_user: str | None
    values: Mapping[str, Any]
    command_variant: int | None
    expect: PerRelease[AnswerExpectation]
    save: Mapping[str, str]

    def describe(self) -> str:
        return f"send {self.source.describe()}"


@dataclass(frozen=True)
class Advance(Step):
    duration: timedelta | None
    to: datetime | None

    def describe(self) -> str:
        return f"advance {_span(self.duration)}" if self.duration is not None else f"advance to {self.to.isoformat()}"


@dataclass(frozen=True)
class ExpectResponse(Step):
    """The Response to a request sent earlier (one whose answer was held, e.g. future dated)."""

    expect: PerRelease[ResponseExpectation]

    def describe(self) -> str:
        return "expect_response"


@dataclass(frozen=True)
class ExpectAlert(Step):
    alert: PerRelease[AlertExpectation]

    def describe(self) -> str:
        return "expect_alert"


@dataclass(frozen=True)
class ExpectNoAlert(ExpectAlert):
    """No such alert came, once the simulator has delivered everything."""

    def describe(self) -> str:
        return "expect_no_alert"


@dataclass(frozen=True)
class ExpectScheduled(Step):
    """The DSPScheduledMessages a user has received (for one schedule, or all): exactly ``count``, once the
    simulator has nothing left to do."""

    to: str
    schedule: str | None
    count: int
    code: str | None
    use_case: str | None
    within: timedelta

    def describe(self) -> str:
        return f"expect_scheduled {self.count}" + (f" of schedule {self.schedule}" if self.schedule else "")


@dataclass(frozen=True)
class DeviceEvent(Step):
    device: str
    event: str
    details: Mapping[str, Any]

    def describe(self) -> str:
        return f"event {self.event} on {dashed(self.device)}"


@dataclass(frozen=True)
class Fault(Step):
    device: str
    offline: bool | None
    latency_ms: float | None
    loss: float | None

    def describe(self) -> str:
        parts = [f"offline={self.offline}" if self.offline is not None else "",
                 f"latency={self.latency_ms:g} ms" if self.latency_ms is not None else "",
                 f"loss={self.loss:g}" if self.loss is not None else ""]
        return f"fault {dashed(self.device)} " + " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Rekey(Step):
    """The test PKI gives a device a new key pair and certificate, which only the device knows of at first."""

    device: str
    credential: str          # Digital Signature | Key Agreement, as 6.24.2 names them

    def describe(self) -> str:
        return f"rekey {dashed(self.device)} {self.credential}"


@dataclass(frozen=True)
class Scenario:
    name: str
    where: Location
    description: str
    release: str | None                  # the release it runs under unless the command line names one
    releases: frozenset[str] | None      # the releases it applies to (skipped under others)
    estate: tuple[Path | None, ...]      # estate files loaded in order; None is the demo estate
    clock_start: datetime | None
    user: str
    steps: tuple[Step, ...]

    @property
    def on_demo_estate(self) -> bool:
        """Whether it runs on the demo estate alone (as any simulator starts)."""
        return self.estate == (None,)


@dataclass(frozen=True)
class BrokenScenario:
    """A scenario that cannot run: its error says why."""

    name: str
    where: Location
    error: ScenarioError


@dataclass(frozen=True)
class ScenarioFile:
    path: Path
    scenarios: tuple[Scenario | BrokenScenario, ...] = ()
    error: ScenarioError | None = None    # the file itself cannot be read


def _span(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{duration.total_seconds():g}s"


# --- YAML with line numbers -----------------------------------------------------------------------------

class _Map(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    lines: dict[str, int]


class _Seq(list):
    line: int = 0


class _Loader(yaml.SafeLoader):
    """Plain scalars stay text (as they are in XML: ``0011`` is not octal, ``12:30:00`` not base 60), but for
    true / false, null and the merge key ``<<``."""


_Loader.yaml_implicit_resolvers = {}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                              ["~", "n", "N", ""])
_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(None, None, f"a key must be text, not {key!r}",
                                                    key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is given twice",
                                                    key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


# --- reading --------------------------------------------------------------------------------------------

class _Reader:
    """Reads one scenario file's values, naming the file and line of anything wrong."""

    def __init__(self, path: Path):
        self.path = path
        self.folder = path.parent

    def at(self, node: Any, key: str | None = None) -> Location:
        if isinstance(node, _Map) and key is not None and key in node.lines:
            return Location(self.path, node.lines[key])
        return Location(self.path, getattr(node, "line", 0) or 0)

    def fail(self, node: Any, message: str, key: str | None = None) -> ScenarioError:
        return ScenarioError(self.at(node, key), message)

    def mapping(self, node: Any, what: str, allowed: set[str], required: tuple[str, ...] = ()) -> _Map:
        if not isinstance(node, _Map):
            raise self.fail(node, f"{what} must be a mapping, not {_kind(node)}")
        unknown = sorted(set(node) - allowed)
        if unknown:
            raise self.fail(node, f"{what} has no key {', '.join(unknown)} (known: {', '.join(sorted(allowed))})",
                            unknown[0])
        for key in required:
            if key not in node:
                raise self.fail(node, f"{what} needs {key}")
        return node

    def text(self, node: _Map, key: str, *, default: str | None = None) -> str | None:
        value = node.get(key, default)
        if value is None:
            return None
        if isinstance(value, (_Map, _Seq)):
            raise self.fail(node, f"{key} must be a single value, not {_kind(value)}", key)
        return str(value)

    def converted(self, node: _Map, key: str, convert: Callable[[str], T], problem: str) -> T | None:
        """``key``'s text turned into a value (None when it is not given); ``problem`` says what is wrong
        when ``convert`` refuses it ({value} and {error} filled in)."""
        value = self.text(node, key)
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            raise self.fail(node, f"{key}: {problem.format(value=repr(value), error=exc)}", key) from None

    def eui(self, node: _Map, key: str) -> str | None:
        return self.converted(node, key, normalise_eui, "{value} is not an EUI-64 (such as 00-DB-12-34-56-78-90-A0)")

    def number(self, node: _Map, key: str, kind: Callable[[str], Any] = float) -> Any:
        return self.converted(node, key, kind, "{value} is not a number")

    def duration(self, node: _Map, key: str, default: timedelta | None = None) -> timedelta | None:
        found = self.converted(node, key, parse_duration, "{error}")
        return default if found is None else found

    def moment(self, node: _Map, key: str) -> datetime | None:
        return self.converted(node, key, _moment, "{error}")

    def releases(self, node: _Map, key: str) -> frozenset[str] | None:
        value = node.get(key)
        if value is None:
            return None
        names = list(value) if isinstance(value, _Seq) else [value]
        for name in names:
            self.release_name(node, key, name)
        return frozenset(str(n) for n in names)

    def release_name(self, node: _Map, key: str, name: Any) -> str | None:
        if name is None:
            return None
        if str(name) not in PROFILES:
            raise self.fail(node, f"{key}: unknown release {name!r} (known: {', '.join(sorted(PROFILES))})", key)
        return str(name)

    def file(self, node: _Map, key: str, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.folder / path

    def per_release(self, node: _Map, key: str, read: Callable[[Any], T]) -> PerRelease[T]:
        """``key``'s value, or — when its keys are release names — one value per release."""
        value = node[key]
        if isinstance(value, _Map) and value and set(value) <= set(PROFILES):
            return PerRelease(by_release={name: read(item) for name, item in value.items()})
        if isinstance(value, _Map) and set(value) & set(PROFILES):
            raise self.fail(value, f"{key}: name only releases ({', '.join(sorted(PROFILES))}), or none of them")
        return PerRelease(every=read(value))

    def body_checks(self, node: _Map, key: str) -> tuple[BodyCheck, ...]:
        value = node.get(key)
        if value is None:
            return ()
        checks = self.mapping(value, key, set(value))
        return tuple(BodyCheck(str(path), tuple(str(v) for v in expected) if isinstance(expected, _Seq)
                               else _scalar_text(expected)) for path, expected in checks.items())


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO time such as 2027-01-01T06:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text} has no time zone (add Z for UTC)")
    return moment


def _kind(node: Any) -> str:
    return {_Map: "a mapping", _Seq: "a list"}.get(type(node), f"{node!r}")


def _scalar_text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _alert_code(value: Any) -> str:
    """``0x8F66`` / ``8F66`` for a device alert (as DUIS writes AlertCode: hex, upper case), or a DCC alert code."""
    text = str(value).strip()
    if text.lower().startswith("0x"):
        return text[2:].upper()
    return text.upper() if re.fullmatch(r"[0-9A-Fa-f]{4}", text) else text


# --- steps, one reader per action -----------------------------------------------------------------------

def _read_send(reader: _Reader, node: _Map, where: Location, releases: frozenset[str] | None) -> Send:
    target = node["send"]
    if isinstance(target, _Map):
        spec = reader.mapping(target, "send", {"variant", "device", "body"}, ("variant",))
        body = target.get("body") or _Map()
        if not isinstance(body, _Map):
            raise reader.fail(target, "send body must be a mapping of fields", "body")
        source: TemplateSource | CatalogueSource = CatalogueSource(
            str(spec["variant"]), reader.eui(spec, "device"), body)
    elif isinstance(target, str) and target:
        source = TemplateSource(reader.file(node, "send", target))
    else:
        raise reader.fail(node, "send names a request file or a {variant, device, body} mapping", "send")
    values = node.get("set") or _Map()
    if not isinstance(values, _Map):
        raise reader.fail(node, "set must be a mapping of element names to values", "set")
    save = node.get("save") or _Map()
    if not isinstance(save, _Map):
        raise reader.fail(node, "save must map variable names to element names", "save")
    expect = reader.per_release(node, "expect", lambda v: _read_answer(reader, v)) if "expect" in node \
        else PerRelease()
    return Send(where, releases, source, reader.eui(node, "as"), values, reader.number(node, "cv", int), expect,
                {str(k): str(v) for k, v in save.items()})


def _read_answer(reader: _Reader, value: Any) -> AnswerExpectation:
    if not isinstance(value, _Map):
        return AnswerExpectation(code=_scalar_text(value))
    node = reader.mapping(value, "expect", {"code", "http", "contains", "body", "response"})
    response = _read_response(reader, node["response"]) if node.get("response") is not None else None
    return AnswerExpectation(code=reader.text(node, "code"), http=reader.number(node, "http", int),
                             contains=reader.text(node, "contains"), body=reader.body_checks(node, "body"),
                             response=response)


def _read_response(reader: _Reader, value: Any) -> ResponseExpectation:
    if not isinstance(value, _Map):
        return ResponseExpectation(code=_scalar_text(value))
    node = reader.mapping(value, "response", {"code", "use_case", "contains", "body", "payload", "within",
                                              "request"})
    return ResponseExpectation(code=reader.text(node, "code"), use_case=reader.text(node, "use_case"),
                               contains=reader.text(node, "contains"), body=reader.body_checks(node, "body"),
                               within=reader.duration(node, "within", DEFAULT_WITHIN),
                               request=reader.text(node, "request"), payload=reader.body_checks(node, "payload"))


def _read_advance(reader: _Reader, node: _Map, where: Location, releases: frozenset[str] | None) -> Advance:
    value = node["advance"]
    if isinstance(value, _Map):
        spec = reader.mapping(value, "advance", {"to", "duration"})
        if ("to" in spec) == ("duration" in spec):
            raise reader.fail(value, "advance takes a duration or to: TIME")
        return Advance(where, releases, reader.duration(spec, "duration"), reader.moment(spec, "to"))
    duration = reader.duration(node, "advance")
    if duration is None or duration.total_seconds() < 0:
        raise reader.fail(node, "advance needs a duration such as 2h or 30d (time runs forward only)", "advance")
    return Advance(where, releases, duration, None)


def _read_expect_response(reader: _Reader, node: _Map, where: Location,
                          releases: frozenset[str] | None) -> ExpectResponse:
    def read(value: Any) -> ResponseExpectation:
        expectation = _read_response(reader, value)
        if expectation.request is None:
            raise reader.fail(node, "expect_response needs request: (a RequestID, e.g. ${tariff} saved by send)",
                              "expect_response")
        return expectation
    return ExpectResponse(where, releases, reader.per_release(node, "expect_response", read))


def _read_alert(reader: _Reader, value: Any, what: str) -> AlertExpectation:
    node = reader.mapping(value, what, {"to", "code", "within", "contains", "body", "payload"}, ("to", "code"))
    return AlertExpectation(reader.eui(node, "to"), _alert_code(node["code"]),
                            reader.duration(node, "within", DEFAULT_WITHIN), reader.text(node, "contains"),
                            reader.body_checks(node, "body"), reader.body_checks(node, "payload"))


def _alert_step(kind: type[ExpectAlert], key: str) -> Callable[..., ExpectAlert]:
    """The reader of an alert step (``expect_alert``, ``expect_no_alert``)."""
    def read(reader: _Reader, node: _Map, where: Location, releases: frozenset[str] | None) -> ExpectAlert:
        return kind(where, releases, reader.per_release(node, key, lambda v: _read_alert(reader, v, key)))
    return read


def _read_expect_scheduled(reader: _Reader, node: _Map, where: Location,
                           releases: frozenset[str] | None) -> ExpectScheduled:
    spec = reader.mapping(node["expect_scheduled"], "expect_scheduled",
                          {"to", "schedule", "count", "code", "use_case", "within"}, ("to", "count"))
    return ExpectScheduled(where, releases, reader.eui(spec, "to"), reader.text(spec, "schedule"),
                           reader.number(spec, "count", int), reader.text(spec, "code"),
                           reader.text(spec, "use_case"), reader.duration(spec, "within", DEFAULT_WITHIN))


def _read_event(reader: _Reader, node: _Map, where: Location, releases: frozenset[str] | None) -> DeviceEvent:
    spec = node["event"]
    if not isinstance(spec, _Map) or "device" not in spec or "event" not in spec:
        raise reader.fail(node, "event needs {device: ID, event: NAME}", "event")
    details = {str(k): v for k, v in spec.items() if k not in ("device", "event")}
    return DeviceEvent(where, releases, reader.eui(spec, "device"), str(spec["event"]), details)


def _read_fault(reader: _Reader, node: _Map, where: Location, releases: frozenset[str] | None) -> Fault:
    spec = reader.mapping(node["fault"], "fault", {"device", "offline", "latency_ms", "loss"}, ("device",))
    offline = spec.get("offline")
    if offline is not None and not isinstance(offline, bool):
        raise reader.fail(spec, "offline is true or false", "offline")
    loss = reader.number(spec, "loss")
    if loss is not None and not 0 <= loss <= 1:
        raise reader.fail(spec, "loss is a probability between 0 and 1", "loss")
    return Fault(where, releases, reader.eui(spec, "device"), offline, reader.number(spec, "latency_ms"), loss)


CREDENTIALS = ("Digital Signature", "Key Agreement")


def _read_rekey(reader: _Reader, node: _Map, where: Location, releases: frozenset[str] | None) -> Rekey:
    spec = reader.mapping(node["rekey"], "rekey", {"device", "credential"}, ("device", "credential"))
    credential = reader.text(spec, "credential")
    if credential not in CREDENTIALS:
        raise reader.fail(spec, f"credential is {' or '.join(CREDENTIALS)}", "credential")
    return Rekey(where, releases, reader.eui(spec, "device"), credential)


StepReader = Callable[[_Reader, _Map, Location, "frozenset[str] | None"], Step]

# Each step has one action key; the keys it may carry besides it and ``releases``.
STEP_READERS: dict[str, tuple[StepReader, frozenset[str]]] = {
    "send": (_read_send, frozenset({"as", "set", "cv", "expect", "save"})),
    "advance": (_read_advance, frozenset()),
    "expect_response": (_read_expect_response, frozenset()),
    "expect_alert": (_alert_step(ExpectAlert, "expect_alert"), frozenset()),
    "expect_no_alert": (_alert_step(ExpectNoAlert, "expect_no_alert"), frozenset()),
    "expect_scheduled": (_read_expect_scheduled, frozenset()),
    "event": (_read_event, frozenset()),
    "fault": (_read_fault, frozenset()),
    "rekey": (_read_rekey, frozenset()),
}


def _read_step(reader: _Reader, node: Any, number: int) -> Step:
    if not isinstance(node, _Map):
        raise reader.fail(node, f"step {number} must be a mapping such as {{send: FILE}}, not {_kind(node)}")
    actions = [key for key in node if key in STEP_READERS]
    if len(actions) != 1:
        found = f"both {' and '.join(actions)}" if actions else "none"
        raise reader.fail(node, f"step {number} needs one action of {', '.join(STEP_READERS)} ({found} given)")
    read, modifiers = STEP_READERS[actions[0]]
    reader.mapping(node, f"a {actions[0]} step", {actions[0], "releases", *modifiers})
    return read(reader, node, reader.at(node), reader.releases(node, "releases"))


def _read_scenario(reader: _Reader, node: Any, index: int) -> Scenario | BrokenScenario:
    name = str(node.get("name")) if isinstance(node, _Map) and node.get("name") is not None else f"scenario {index}"
    where = reader.at(node)
    try:
        spec = reader.mapping(node, "a scenario", {"name", "description", "release", "releases", "estate",
                                                    "clock_start", "user", "steps"}, ("name", "steps"))
        steps = spec["steps"]
        if not isinstance(steps, _Seq) or not steps:
            raise reader.fail(spec, "steps must be a list of one or more steps", "steps")
        estates = spec.get("estate", DEMO_ESTATE)
        estate = tuple(None if str(e) == DEMO_ESTATE else reader.file(spec, "estate", str(e))
                       for e in (estates if isinstance(estates, _Seq) else [estates]))
        return Scenario(
            name=name, where=where, description=str(spec.get("description") or ""),
            release=reader.release_name(spec, "release", spec.get("release")),
            releases=reader.releases(spec, "releases"), estate=estate,
            clock_start=reader.moment(spec, "clock_start"), user=reader.eui(spec, "user") or DEFAULT_USER,
            steps=tuple(_read_step(reader, step, number) for number, step in enumerate(steps, start=1)))
    except ScenarioError as exc:
        return BrokenScenario(name, where, exc)


def parse_text(text: str, path: Path) -> ScenarioFile:
    """The scenarios of a file's text (``path`` places relative files and names the file in errors)."""
    reader = _Reader(path)
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1) if mark is not None else None
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        return ScenarioFile(path, error=ScenarioError(where, f"not valid YAML: {problem}"))
    except yaml.YAMLError as exc:
        return ScenarioFile(path, error=ScenarioError(Location(path, 1), f"not valid YAML: {exc}"))
    if not isinstance(document, _Map) or not isinstance(document.get("scenarios"), _Seq):
        return ScenarioFile(path, error=ScenarioError(Location(path, getattr(document, "line", 1) or 1),
                                                      "a scenario file is a mapping with a list of scenarios"))
    unknown = sorted(set(document) - {"scenarios"})
    if unknown:
        return ScenarioFile(path, error=reader.fail(document, f"unknown key {unknown[0]} (a scenario file has "
                                                              "scenarios:)", unknown[0]))
    scenarios = tuple(_read_scenario(reader, node, index) for index, node in enumerate(document["scenarios"], 1))
    names = [s.name for s in scenarios]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        first = next(s for s in scenarios if s.name == duplicates[0])
        return ScenarioFile(path, error=ScenarioError(first.where, f"two scenarios are named {duplicates[0]!r}"))
    return ScenarioFile(path, scenarios)


def load_file(path: Path) -> ScenarioFile:
    """Read and check a scenario file: the files its scenarios name must exist."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ScenarioFile(Path(path), error=ScenarioError(None, f"{path}: cannot be read: {exc}"))
    parsed = parse_text(text, Path(path))
    return ScenarioFile(parsed.path, tuple(_missing_files(s) for s in parsed.scenarios), parsed.error)


def _missing_files(scenario: Scenario | BrokenScenario) -> Scenario | BrokenScenario:
    if isinstance(scenario, BrokenScenario):
        return scenario
    for estate in scenario.estate:
        if estate is not None and not estate.is_file():
            return BrokenScenario(scenario.name, scenario.where,
                                  ScenarioError(scenario.where, f"the estate file {estate} does not exist"))
    for number, step in enumerate(scenario.steps, start=1):
        if isinstance(step, Send) and isinstance(step.source, TemplateSource) and not step.source.path.is_file():
            return BrokenScenario(scenario.name, scenario.where, ScenarioError(
                step.where, f"step {number}: the request file {step.source.path} does not exist"))
    return scenario
