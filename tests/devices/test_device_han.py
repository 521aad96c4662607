"""The HAN bus and firmware distribution on their own: routes through the hub (and GPF), faults on every
hop, the device log as the gate, and Upgrade Images from the OTA header to the receipt and transfer alerts."""
from __future__ import annotations

import base64
import re

import pytest

import gbcs
from devices import firmware, queries
from devices.device import DeviceReply, handle_command
from devices.han import Faults, HanBus, Route
from devices.state import DeviceLogEntry
from tests.devices.test_device_core import READ_REGISTERS
from tests.devices.world import ACB, SUPPLIER, World
from tests.paths import DUIS_TEMPLATES

CHF, GPF, ESME, GSME, PPMID = ("00DB1234567890A2", "00DB1234567890A3", "00DB1234567890A0", "00DB1234567890A1",
                               "00DB1234567890A4")


class MemoryStore:
    def __init__(self, devices: dict):
        self.devices = devices

    async def with_device(self, device_id, work, *, within=None, on_log_of=None):
        if device_id not in self.devices:
            return None
        if on_log_of is not None and device_id not in (queries.device_log(self.devices[on_log_of][1]) or []):
            return DeviceReply(refused="not on the device log")
        identity, state = self.devices[device_id]
        return work(identity, state)


class MemoryFaults:
    def __init__(self):
        self.table: dict[str, Faults] = {}

    async def faults(self, device_id):
        return self.table.get(device_id, Faults())


class LogDirectory:
    """Routes as the simulator's directory does, from the hub's device log in its state."""

    def __init__(self, store: MemoryStore):
        self.store = store

    async def route(self, device_id, hub_id, *, deferred_log=False):
        if not hub_id or hub_id == device_id:
            return Route((device_id,))
        hops = (hub_id, GPF, device_id) if device_id == GSME else (hub_id, device_id)
        if deferred_log:       # the store reads the log with the device's state
            return Route(hops, on_log_of=hub_id)
        log = queries.device_log(self.store.devices[hub_id][1]) or []
        if device_id not in log:
            return Route(hops, reason="not on the device log")
        return Route(hops)


@pytest.fixture
def han():
    world = World()
    devices = {CHF: world.device(CHF, "CHF"), GPF: world.device(GPF, "GPF"), ESME: world.device(ESME, "ESME"),
               GSME: world.device(GSME, "GSME"), PPMID: world.device(PPMID, "PPMID")}
    devices[CHF][1].device_log = [DeviceLogEntry(d) for d in (ESME, GSME, PPMID)]
    store = MemoryStore(devices)
    faults = MemoryFaults()
    return world, HanBus(store, faults, clock=world.now, directory=LogDirectory(store)), faults, devices


async def test_a_frame_reaches_a_device_on_the_log_and_not_one_taken_off(han):
    world, bus, _faults, devices = han
    reply = await bus.exchange(ESME, world.command(ESME, 0x0027, READ_REGISTERS), hub_id=CHF, handler=handle_command)
    assert reply.response is not None
    devices[CHF][1].device_log = [DeviceLogEntry(GSME)]
    reply = await bus.exchange(ESME, world.command(ESME, 0x0027, READ_REGISTERS), hub_id=CHF, handler=handle_command)
    assert reply.response is None and reply.refused == "not on the device log"


async def test_the_bus_leaves_the_log_to_the_store_for_a_frame_and_reads_it_itself_for_a_timer(han):
    _world, bus, _faults, devices = han
    deferred = await bus.route(ESME, CHF, deferred_log=True)
    assert deferred.reachable and deferred.on_log_of == CHF and deferred.hops == (CHF, ESME)
    devices[CHF][1].device_log = [DeviceLogEntry(GSME)]
    assert (await bus.route(ESME, CHF)).reason == "not on the device log"
    ran = []
    assert await bus.run(ESME, lambda identity, state, now: ran.append(1) or DeviceReply(), hub_id=CHF) is None
    reply = await bus.exchange(ESME, b"frame", hub_id=CHF, handler=lambda *_: ran.append(2) or DeviceReply())
    assert reply.refused == "not on the device log" and not ran


async def test_every_hop_counts_a_gas_meter_behind_an_offline_gpf_is_silent(han):
    _world, bus, faults, _devices = han
    handler = lambda identity, state, frame, now: DeviceReply(response=b"answer")  # noqa: E731
    assert (await bus.exchange(GSME, b"frame", hub_id=CHF, handler=handler)).response == b"answer"
    faults.table[GPF] = Faults(offline=True)
    assert await bus.exchange(GSME, b"frame", hub_id=CHF, handler=handler) is None
    assert (await bus.exchange(ESME, b"frame", hub_id=CHF, handler=handler)).response == b"answer"
    faults.table[CHF] = Faults(offline=True)
    assert await bus.exchange(ESME, b"frame", hub_id=CHF, handler=handler) is None


async def test_firmware_reaches_a_meter_which_reports_the_image_hash_and_the_hub_the_transfer(han):
    world, bus, _faults, devices = han
    image = firmware.make_image(b"manufacturer image", version=0x00000002)
    reply = await bus.distribute_image(ESME, image, hub_id=CHF)
    messages = [gbcs.decode(frame, world.keys()) for frame in reply.alerts]
    receipt, transfer = messages
    assert receipt.use_case == "FDRA-DLMS" and receipt.recipient == SUPPLIER
    assert receipt.verification.signature == "verified"
    assert receipt.payload.tree["body"][0]["items"][2]["hex"] == firmware.parse_image(image).hash.hex()
    assert transfer.use_case == "CCS08" and transfer.originator == CHF and transfer.recipient == ACB
    assert transfer.payload.tree[0]["children"][-1]["hex"] == "00"
    assert devices[ESME][1].firmware.pending.version == "00000002"


async def test_a_ppmid_activates_its_image_and_an_unreachable_device_gets_none(han):
    world, bus, faults, devices = han
    image = firmware.make_image(b"ppmid image", version=7, image_type=0x84)
    messages = [gbcs.decode(f, world.keys()) for f in (await bus.distribute_image(PPMID, image, hub_id=CHF)).alerts]
    assert [m.use_case for m in messages] == ["CS09", "CCS08"]
    assert devices[PPMID][1].firmware.version == "00000007"
    faults.table[ESME] = Faults(offline=True)
    messages = [gbcs.decode(f, world.keys()) for f in (await bus.distribute_image(ESME, image, hub_id=CHF)).alerts]
    assert [m.use_case for m in messages] == ["CCS08"]
    assert messages[0].payload.tree[0]["children"][-1]["hex"] == "03"


@pytest.mark.skipif(not DUIS_TEMPLATES.exists(), reason="shared templates not available")
def test_the_template_upgrade_images_parse():
    for name, image_type in (("11.1_UPDATE_FIRMWARE_REQUEST_DUIS.XML", 0x0000),
                             ("11.4_UPDATE_PPMID_FIRMWARE_REQUEST_DUIS.XML", 0x0084)):
        text = (DUIS_TEMPLATES / name).read_text()
        image = base64.b64decode(re.search(r"<sr:FirmwareImage>(.*?)</sr:FirmwareImage>", text, re.S).group(1))
        parsed = firmware.parse_image(image)
        assert parsed is not None and parsed.manufacturer == 0x121D and parsed.image_type == image_type
        assert parsed.version == "ACDCACDC" and parsed.hardware == (0x1111, 0x1211)
        assert len(parsed.manufacturer_image) == len(image) - parsed.header_length
    assert firmware.parse_image(b"not an image") is None
