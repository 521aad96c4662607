"""Who receives a device's alert, decided from the alert and the DUIS roles held for the alerting device.

A device addresses each alert to a Remote Party (``devices.alerts.ALERT_CODES``): the entity in its cell for
the alert's role (Supplier, Network Operator), the originator of the command the alert reports on, or the
Access Control Broker. The DCC delivers an alert addressed to a User to that User when the User holds, for
the alerting device (or, for a HAN device without responsible parties, its premises), one of the DUIS roles
``USER_ROLES`` maps the alert's Remote Party role to; an alert addressed to the ACB is the DCC's, which acts
on it and forwards it to the Users ``ACB_FORWARDED`` names — by default those of the alert's roles on the
device's premises (a PPMID has no Supplier cell: its Supplier alerts reach the premises' suppliers through
the DCC).
"""
from __future__ import annotations

import gbcs
from devices import alerts as device_alerts
from dccsim.inventory.models import DeviceType

ANY = ("IS", "ES", "GS", "ED", "GT", "RSA", "OU")
# The DUIS roles that receive an alert addressed to a Remote Party role, by the alerting device's type
# ("*": any other type, through its premises).
USER_ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "supplier": {"ESME": ("IS",), "GSME": ("GS",), "GPF": ("GS",), "*": ("IS", "GS")},
    "network-operator": {"ESME": ("ED",), "GSME": ("GT",), "GPF": ("GT",), "*": ("ED", "GT")},
    "originator": {"*": ANY},
}
# Alerts addressed to the Access Control Broker that the DCC passes on, and to whom (DUIS roles of the
# alerting device's premises).
ACB_FORWARDED: dict[int, tuple[str, ...]] = {
    0x8F12: ("IS", "GS"),        # CS14: the CHF device log changed
    0x8071: ("GS",),             # GPF device log changed
    0x8F8A: ("IS", "GS"),        # CCS08: firmware transferred (or not) to a device
    0x8F8B: ("IS", "GS"),        # CS09: PPMID firmware activated
    0x8F72: ("IS", "GS"),        # firmware verified by a device without a Supplier cell (CHF)
}
# The devices whose own responsible parties receive their alerts (the others' come from their premises).
OWN_PARTIES = frozenset({DeviceType.ESME, DeviceType.GSME, DeviceType.GPF})
NOT_SUPPORTED = 0x8F85


def alert_code(message: gbcs.Message) -> int:
    """The alert code an alert frame carries (its message code where it carries none)."""
    tree = message.payload.tree
    if message.payload.kind == "dlms-data-notification":
        body = tree.get("body") or []
        if body and body[0].get("type") == "structure" and body[0]["items"]:
            first = body[0]["items"][0]
            if first.get("type") == "long-unsigned":
                return first["value"]
    if message.payload.kind == "gbz-alert":
        return tree.get("alert_code", 0)
    if message.payload.kind == "asn1" and tree and tree[0].get("children"):
        first = tree[0]["children"][0]
        if first.get("tag") == "02":
            return int(first["hex"], 16)
    return message.message_code


def user_roles(code: int, device_type: str) -> tuple[str, ...]:
    """The DUIS roles an alert code's Remote Party roles map to for a device type."""
    found: list[str] = []
    for remote_role in device_alerts.info(code).to:
        if remote_role == "originator":
            continue
        table = USER_ROLES.get(remote_role, {})
        for role in table.get(device_type, table.get("*", ())):
            if role not in found:
                found.append(role)
    return tuple(found)


def acb_forwarded_roles(code: int, device_type: str) -> tuple[str, ...]:
    """The DUIS roles of the premises an alert addressed to the DCC goes on to."""
    return ACB_FORWARDED.get(code) or user_roles(code, device_type)


def acted_for(message: gbcs.Message, code: int) -> str | None:
    """The User the ACB acted for, where a device answers the ACB's command with "not supported"."""
    if code == NOT_SUPPORTED and len(message.other_info_extra) >= 8:
        return message.other_info_extra[:8].hex().upper()
    return None


def answers_a_command(code: int) -> bool:
    """Whether the alert goes to the originator of the command it reports on."""
    return "originator" in device_alerts.info(code).to


def users_in_roles(parties: dict[str, list[str]], roles: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for role in roles:
        for user in parties.get(role, []):
            if user not in found:
                found.append(user)
    return found


def entitled(parties: dict[str, list[str]], device_type: str, user: str, code: int, *, user_exists: bool) -> bool:
    """Whether ``user`` may receive this alert from a device of this type whose premises' parties are
    ``parties``: it holds a DUIS role the alert's Remote Party roles map to (any known User, for an alert
    answering the User's own command)."""
    for remote_role in device_alerts.info(code).to:
        if remote_role == "originator":
            if user_exists:
                return True
            continue
        table = USER_ROLES.get(remote_role, {})
        roles = table.get(device_type, table.get("*", ()))
        if any(user in parties.get(role, []) for role in roles):
            return True
    return False
