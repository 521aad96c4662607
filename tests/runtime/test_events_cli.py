"""``dccsim devices event``: ``--list`` prints every event with the devices it happens to and the alert codes it
leads to; without a device and an event it says what it needs; a simulator that is not there is one line."""
from __future__ import annotations

from dccsim.cli.main import main
from devices import events


def test_list_prints_every_event_with_its_alert_codes(capsys):
    assert main(["devices", "event", "--list"]) == 0
    out = capsys.readouterr().out
    for spec in events.EVENTS.values():
        assert spec.name in out
    line = next(row for row in out.splitlines() if row.startswith("power-restored "))
    assert "0x8F35,0x8F36" in line and "CHF,ESME" in line
    assert "AD1" in next(row for row in out.splitlines() if row.startswith("power-outage "))


def test_a_device_and_an_event_are_needed(capsys):
    assert main(["devices", "event", "00-DB-12-34-56-78-90-A0"]) == 1
    assert "give DEVICE_ID EVENT (or --list)" in capsys.readouterr().err


def test_no_simulator_at_the_admin_address_is_one_line(capsys):
    assert main(["devices", "event", "00-DB-12-34-56-78-90-A0", "tamper", "--admin", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dccsim: ") and err.count("\n") == 1 and "Traceback" not in err
