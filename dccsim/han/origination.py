"""Who originates a command the DCC sends for a User, and the Pre-Command it issues for a critical one.

The User originates it, under its own id and request counter, when the device knows it as a Remote Party;
otherwise the DCC's Access Control Broker does, on the User's behalf, with the ACB's own counter and the User
and its counter in the other-information (see ``dccsim.han.commands.builder``)."""
from __future__ import annotations

from dataclasses import replace

import gbcs
from dccsim.db.connection import DccConnection
from dccsim.han.commands.builder import Command
from dccsim.han.commands.fills_credentials import sequenced
from dccsim.han.installation import knows
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import InTransaction, InventoryView
from dccsim.inventory.models import Device


async def originate(conn: DccConnection, device: Device, command: Command, *, user: str, counter: int,
                    critical: bool, acb_entity_id: str, inventory: InventoryView | None = None) -> gbcs.Message:
    """A command from ``user``: under its own id when the device knows it as a Remote Party, else from the
    Access Control Broker on its behalf (the DCC's own counter; the User and its counter in the
    other-information), signed by the ACB where a critical use case comes through a non-critical SR. A command
    a DCC party authorises itself (the Transitional CoS party's change of supplier) is that party's: its own
    id, the DCC's counter as its sequence number, its signature. Whom the device knows is read from
    ``inventory`` where given (the process's cache, as access control read it), else in ``conn``'s
    transaction."""
    if command.dcc_party is not None:
        return await _from_dcc_party(conn, device, command)
    acb = command.acb or (not critical and not await knows(inventory or InTransaction(conn), device, user))
    if acb:
        acb_counter = await conn.fetchval("SELECT nextval('acb_command_counter')")
        business = command.business_originator or not command.acb
        extra = bytes.fromhex(user) + counter.to_bytes(8, "big") if business else command.other_info_extra
        return gbcs.Message(cra=gbcs.Cra.COMMAND, counter=acb_counter, originator=acb_entity_id,
                            recipient=device.device_id, message_code=command.message_code, payload=command.payload,
                            other_info_extra=extra, signature_field=gbcs.SignatureField.PRESENT
                            if command.acb_signed else gbcs.SignatureField.EMPTY)
    return gbcs.Message(cra=gbcs.Cra.COMMAND, counter=counter, originator=user, recipient=device.device_id,
                        message_code=command.message_code, payload=command.payload,
                        other_info_extra=command.other_info_extra,
                        signature_field=gbcs.SignatureField.ABSENT if critical else gbcs.SignatureField.EMPTY)


async def _from_dcc_party(conn: DccConnection, device: Device, command: Command) -> gbcs.Message:
    party = next((u.entity_id for u in await repo.list_users(conn) if command.dcc_party in u.roles), None)
    if party is None:
        raise LookupError(f"the inventory names no DCC party in the {command.dcc_party} role to originate "
                          f"{command.use_case}")
    counter = await conn.fetchval("SELECT nextval('acb_command_counter')")
    payload = replace(command.payload, tree=sequenced(command.payload.tree, counter))
    return gbcs.Message(cra=gbcs.Cra.COMMAND, counter=counter, originator=party, recipient=device.device_id,
                        message_code=command.message_code, payload=payload, other_info_extra=b"",
                        signature_field=gbcs.SignatureField.PRESENT)


def precommand_bytes(message: gbcs.Message, *, empty_signature_byte: bool) -> bytes:
    """The Pre-Command as issued: as every RTDS PRECOMMAND (the signature appended to it), or — for clients of
    DCC test systems that end it with an empty signature-length byte, replaced by the signature — with that
    0x00 (``Settings.precommand_empty_signature_byte``)."""
    if empty_signature_byte:
        return gbcs.encode(replace(message, signature_field=gbcs.SignatureField.EMPTY))
    return gbcs.encode(message)
