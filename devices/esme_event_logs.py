"""The ESME's event logs as GBCS reads them (6.13 Read Event Or Security Log): the event log (ECS35a), the
security log (ECS35b), the power event log (ECS35e) and the auxiliary controller event log (ECS35f / ECS35g),
each a compact array of the entries logged in the period asked for (``esme_meter`` writes them)."""
from __future__ import annotations

from devices import esme_meter as meter
from devices.attribute_store import AttributeStore
from devices.esme_state import EsmeLog, LoggedEvent
from devices.state import EsmeState
from gbcs import dlms as x
from gbcs.dlms import Node

_AT, _CODE = x.t("double-long-unsigned"), x.t("long-unsigned")
# Per log: its entries and the columns GBCS gives each entry after the time and the event code.
_COLUMNS: dict[EsmeLog, tuple[tuple[Node, object], ...]] = {
    EsmeLog.EVENT: ((x.t("octet-string"), b""),),                           # event data: none
    EsmeLog.SECURITY: (),
    EsmeLog.AUXILIARY: ((x.t("enum"), 0), (x.t("double-long-unsigned"), 0)),  # controller, value
}
POWER_EVENT_COLUMNS = (x.t("double-long-unsigned"),)


def _in_period(entries: list[LoggedEvent], start: int, end: int, now: int) -> list[LoggedEvent]:
    return [e for e in entries if start <= e.at <= min(end, now)]


def _reader(log: EsmeLog):
    columns = _COLUMNS[log]

    def read(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
        entries = _in_period(getattr(meter.model(state).logs, log.value), start, end, now)
        rows = [(e.at, e.code, *(value for _type, value in columns)) for e in entries]
        return x.compact(x.t_structure(_AT, _CODE, *(kind for kind, _value in columns)), rows)
    read.__doc__ = f"The {log.value} log's entries of the period."
    return read


event_log = _reader(EsmeLog.EVENT)                 # ECS35a
security_log = _reader(EsmeLog.SECURITY)           # ECS35b
auxiliary_log = _reader(EsmeLog.AUXILIARY)         # ECS35f / ECS35g


def power_event_log(state: EsmeState, store: AttributeStore, start: int, end: int, now: int) -> Node:
    """ECS35e: supply outages and restorations; the simulated supply network never fails, so none."""
    return x.compact(x.t_structure(_AT, _CODE, *POWER_EVENT_COLUMNS), [])
