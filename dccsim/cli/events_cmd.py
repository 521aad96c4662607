"""``dccsim devices event``: a physical event on a running simulator's device (through its admin API), or
``--list``: every event, the devices it happens to and the alert codes it leads to."""
from __future__ import annotations

import argparse
import asyncio
import sys

import aiohttp

from devices import events
from dccsim.duis.ids import normalise_eui
from dccsim.han.device_events import DCC_ALERTS_OF_EVENTS
from dccsim.runtime.settings import ADMIN_PORT


def register(devices_sub) -> None:
    event = devices_sub.add_parser(
        "event", help="make a physical event happen to a device of a running simulator (--list: every event)",
        description="Make a physical event happen to a device of a running simulator: its state changes and it "
                    "raises the alerts GBCS calls for, which reach the Users entitled to them.")
    event.add_argument("device_id", nargs="?", help="the device, e.g. 00-DB-12-34-56-78-90-A0")
    event.add_argument("event", nargs="?", help="the event, e.g. power-outage, tamper, low-credit")
    event.add_argument("--count", type=int, default=1, help="how many times it happens (default 1)")
    event.add_argument("--list", action="store_true", help="print every event with the alert codes it leads to")
    event.add_argument("--admin", default=f"http://127.0.0.1:{ADMIN_PORT}",
                       help=f"the running simulator's admin API (default http://127.0.0.1:{ADMIN_PORT})")
    event.set_defaults(func=_event)


def listing() -> str:
    """The event table as text: name, devices, alert codes (and AD1), description."""
    lines = [f"{'EVENT':<30} {'DEVICES':<26} {'ALERTS':<14} WHAT HAPPENS"]
    for spec in events.EVENTS.values():
        codes = [f"0x{code:04X}" for code in spec.alert_codes] + list(DCC_ALERTS_OF_EVENTS.get(spec.name, ()))
        lines.append(f"{spec.name:<30} {','.join(sorted(spec.kinds)):<26} {','.join(codes) or '-':<14} "
                     f"{spec.description}")
    return "\n".join(lines)


def _event(args: argparse.Namespace) -> int:
    if args.list:
        print(listing())
        return 0
    if not args.device_id or not args.event:
        print("dccsim: give DEVICE_ID EVENT (or --list)", file=sys.stderr)
        return 1
    device = normalise_eui(args.device_id)

    async def call() -> tuple[int, dict]:
        async with aiohttp.ClientSession() as session:
            url = f"{args.admin.rstrip('/')}/admin/devices/{device}/events"
            async with session.post(url, json={"event": args.event, "count": args.count}) as response:
                return response.status, await response.json()

    status, answer = asyncio.run(call())
    if status != 200:
        print(f"dccsim: {answer.get('error', status)}", file=sys.stderr)
        return 1
    print(f"{args.event} x{answer['count']} on {', '.join(answer['devices'])}: "
          f"{answer['alerts_raised']} alerts raised")
    return 0
