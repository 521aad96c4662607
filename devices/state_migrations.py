"""How a stored device state of one format version becomes the next: ``MIGRATIONS[n]`` takes the JSON value of
version ``n`` to that of ``n + 1`` (``devices.state_codec`` runs them in turn, then reads the result typed).

Version 1 (from 0, the untyped form): the kind under ``kind`` rather than ``type``; octets as base64 (cells'
keys and key identifiers, re-keyed credentials, gas event data) rather than hex; the ESME's meter under
``meter`` with named registers and its clock preset as times; the gas meter's calendars, snapshots and logs
as objects; the CHF's consumption count as one field; UTRN counters as a list. What no device read is dropped
(the GCS28 ``clock_offset_s``, the consumption count of devices other than the CHF, the ESME's
``esme_variant`` once copied to ``variant``).

Version 2 (from 1): the SMETS1 kinds (``S1CH``, ``S1ESME``, ``S1GSME``, ``S1PPMID``) exist; a state of
version 1 is of a GBCS kind and means what it meant.
"""
from __future__ import annotations

import base64
from typing import Any, Callable

from devices.esme_variant import capabilities
from devices.gas_state import TARIFF_FIELDS
from devices.state import DEFAULT_ALERT_COUNTER, DEFAULT_FIRMWARE, DEFAULT_PAN, DLMS_REQUEST, state_class
from gbcs import decode_dlms_date_time

Json = dict[str, Any]
Migration = Callable[[Json, "str | None"], Json]

VERSION = 2
_JOINED_TYPE = 3                       # what CS07 reported for a joined device of an early state


def _b64(hex_text: str | None) -> str:
    return base64.b64encode(bytes.fromhex(hex_text or "")).decode()


def _iso(hex_text: str) -> str | None:
    moment = decode_dlms_date_time(hex_text)
    return moment.isoformat() if moment is not None else None


def _common(old: Json) -> Json:
    firmware = old.get("firmware") or {}
    pending = firmware.get("pending")
    own = old.get("own_credentials") or {}
    return {
        "firmware": {"version": firmware.get("version", DEFAULT_FIRMWARE), "previous": firmware.get("previous"),
                     "pending": {"hash": pending["hash"], "version": pending["version"]} if pending else None},
        "trust_anchors": None if "trust_anchors" not in old else [
            {"role": c["role"], "usage": c["usage"], "entity": c["entity"], "key": _b64(c["key"]),
             "ski": _b64(c["ski"])} for c in old["trust_anchors"]],
        "own_credentials": {usage: {"certificate": _b64(held["certificate"]), "key_pem": held["key"]}
                            for usage, held in own.items()},
        "counters": dict(old.get("counters") or {}),
        "alert_counter": old.get("alert_counter", DEFAULT_ALERT_COUNTER),
        "security_log": [{"at": e["at"], "event": e["event"]} for e in old.get("security_log") or []],
        "future": [{"at": item["at"], "originator": item["originator"], "counter": item["counter"],
                    "message_code": item["message_code"], "payload_kind": item.get("kind", DLMS_REQUEST),
                    "request": item["request"], "targets": item.get("targets") or [],
                    "use_case": item.get("use_case", ""), "watch": bool(item.get("watch")),
                    "firmware": {"hash": item["firmware"]["hash"], "reference": item["firmware"]["reference"]}
                    if item.get("firmware") else None}
                   for item in old.get("future") or []],
        "joined": [{"device_id": e["device_id"], "join_type": e.get("type", _JOINED_TYPE)} if isinstance(e, dict)
                   else {"device_id": str(e).upper(), "join_type": _JOINED_TYPE} for e in old.get("joined") or []],
    }


def _esme_meter(old: Json) -> Json:
    reg, logs = old["reg"], old.get("logs") or {}
    preset = old.get("preset")
    return {
        "seed": old["seed"], "offset": old.get("offset", 0), "at": old["at"],
        "registers": {"active_import": reg["import"], "reactive_import": reg["reactive_import"],
                      "active_export": reg["export"], "reactive_export": reg["reactive_export"], "tou": reg["tou"],
                      "block": reg["block"], "counter": reg["counter"], "secondary": reg["secondary"],
                      "secondary_tou": reg["secondary_tou"]},
        "prepay": old["prepay"], "payment_mode": old.get("payment_mode", "Credit"),
        "supply": old.get("supply", "Enabled"),
        "logs": {
            **{name: logs.get(name) or [] for name in ("event", "security", "auxiliary", "debt_payments", "credits")},
            "tariff_billing": [{"at": e["at"], "active_import": e["import"], "secondary": e["secondary"],
                                "tou": e["tou"], "secondary_tou": e["secondary_tou"], "block": e["block"],
                                "prepay": e["prepay"]} for e in logs.get("tariff_billing") or []]},
        "preset": {"time": _iso(preset[0]), "valid_from": _iso(preset[1]), "valid_to": _iso(preset[2])}
        if preset else None,
    }


def _day_entries(days: Json) -> Json:
    return {day: [{"start": start, "value": value} for start, value in entries] for day, entries in days.items()}


def _calendar(old: Json) -> Json:
    return {"issuer_calendar_id": old["issuer_calendar_id"], "issuer_event_id": old["issuer_event_id"],
            "start_time": old["start_time"], "calendar_type": old["type"], "time_reference": old["time_reference"],
            "name": old["name"], "days": _day_entries(old["days"]), "weeks": old["weeks"],
            "seasons": [{"start_date": date, "week_id": week} for date, week in old["seasons"]],
            "special_days": [{"date": date, "day_id": day} for date, day in old["special_days"]]}


def _renamed(name: str) -> str:
    return "type" if name == "tariff_type" else name


def _tariff(old: Json) -> Json:
    return {**{name: old[_renamed(name)] for name in TARIFF_FIELDS}, "calendar": _calendar(old["calendar"])}


def _parts(old: Json) -> Json:
    return {**{name: old.get(_renamed(name)) for name in TARIFF_FIELDS},
            "calendar": _calendar(old["calendar"]) if old.get("calendar") else None,
            "days": _day_entries(old.get("days") or {}), "weeks": old.get("weeks") or {},
            "seasons": [{"start_date": d, "week_id": w} for d, w in old["seasons"]] if "seasons" in old else None,
            "special_days": [{"date": d, "day_id": i} for d, i in old["special_days"]]
            if "special_days" in old else None}


def _events(entries: list[Json] | None) -> list[Json]:
    return [{"event_id": e["event_id"], "time": e["time"], "data": _b64(e.get("data"))} for e in entries or []]


def _event_logs(old: Json | None) -> Json:
    old = old or {}
    return {"event_log": _events(old.get("event_log")), "security_log": _events(old.get("security_log"))}


def _gas(old: Json | None) -> Json | None:
    if old is None:
        return None
    pending = old.get("pending")
    return {
        **{name: old[name] for name in ("seed", "daily_litres", "base", "t0", "history_start", "updated",
                                        "calorific_value", "conversion_factor", "block_period_start",
                                        "block_period_wh", "prepayment", "tiers", "blocks", "next_snapshot_id",
                                        "top_ups")},
        "tariff": _tariff(old["tariff"]), "friendly_credit": _calendar(old["friendly_credit"]),
        "pending": {"start_time": pending["start_time"], "parts": _parts(pending["parts"])} if pending else None,
        "snapshots": old["snapshots"],
        "debt_log": [{"time": d["time"], "amount": d["amount"], "debt_type": d["type"],
                      "outstanding": d["outstanding"]} for d in old["debt_log"]],
        "logs": _event_logs(old),
    }


def _chf_entry(entry: Json) -> Json:
    added = entry.get("added")
    return {"device_id": entry["device_id"], "added": None if added in (None, "estate") else added,
            "link_key_hash": entry.get("link_key_hash", "")}


def _kind_fields(kind: str, old: Json) -> Json:
    utrn_counters = (old.get("utrn_counters") or {}).get("cache", [])
    if kind == "ESME":
        esme = old.get("esme")
        variant = (esme or {}).get("variant") or old.get("esme_variant")
        return {"device_id": old.get("device_id") or "", "variant": capabilities(variant).variant,
                "meter": _esme_meter(esme) if esme else None, "cosem": old.get("cosem") or {},
                "utrn_counters": utrn_counters}
    if kind == "GSME":
        return {"gas": _gas(old.get("gas")), "utrn_counters": utrn_counters}
    if kind == "GPF":
        return {"mirror": _gas(old.get("mirror")), "mirror_synced_at": old.get("mirror_synced_at"),
                "logs": _event_logs(old.get("logs"))}
    if kind == "CHF":
        at = old.get("consumption_at")
        return {"device_log": [_chf_entry(e) for e in old.get("device_log") or []],
                "historic_device_log": [{"device_id": h["device_id"], "removed": h["removed"],
                                         "link_key_hash": h.get("link_key_hash", "")}
                                        for h in old.get("historic_device_log") or []],
                "extended_pan_id": old.get("extended_pan_id", DEFAULT_PAN),
                "han_settings": dict(old.get("han_settings") or {}), "cosem": old.get("cosem") or {},
                "consumption": {"wh": old.get("consumption_wh", 0), "at": at} if at else None}
    if kind in ("PPMID", "HCALCS"):       # a GBZ command gave them a gas meter's data: its logs were theirs
        return {"logs": _event_logs(old.get("gas"))}
    return {}


def v0_to_v1(old: Json, kind: str | None) -> Json:
    """Version 0 (untyped, the kind under ``type``) to version 1; ``kind`` for a state that does not say."""
    kind = state_class(old.get("type") or kind or "").KIND
    return {"version": 1, "kind": kind, **_common(old), **_kind_fields(kind, old)}


def v1_to_v2(old: Json, kind: str | None) -> Json:
    """Version 1 to version 2: only the new SMETS1 kinds differ, and no version-1 state is of one."""
    return {**old, "version": 2}


MIGRATIONS: dict[int, Migration] = {0: v0_to_v1, 1: v1_to_v2}
