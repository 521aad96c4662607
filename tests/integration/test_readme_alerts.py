"""The README's device events example, run as written against a simulator on the simulated clock: every alert that
arrives is signed, valid against the official DUIS XSD, verified with the DCC's certificate and accepted by the
Java validator DCC clients use (``@smartdcc/duis-sign-wrap``)."""
from __future__ import annotations

import asyncio
import contextlib
import io
import shlex
from datetime import datetime, timezone

import pytest
from lxml import etree

from dccsim.cli.main import main as dccsim_main
from dccsim.duis import xmldsig
from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.integration.checks import zaz1_dsp_certificate
from tests.integration.harness import official_schema
from tests.integration.receiver import simulator_with_receivers
from tests.integration.test_java_interop import tool  # noqa: F401 - the Java validator, or a skip
from tests.paths import REPO

SUPPLIER, NETWORK_OPERATOR, SUPPLIER_2 = "90B3D51F30010000", "90B3D51F30020000", "90B3D51F30030000"
USERS = (SUPPLIER, NETWORK_OPERATOR, SUPPLIER_2)


def readme_commands() -> list[list[str]]:
    """The commands of the README's "Device events and alerts" example, as argument lists."""
    text = (REPO / "README.md").read_text()
    start = text.index("```sh\n", text.index("#### Device events and alerts")) + len("```sh\n")
    block = text[start:text.index("```", start)]
    return [shlex.split(line, comments=True)[1:] for line in block.splitlines() if line.startswith("dccsim ")]


def _run(args: list[str]) -> tuple[int, str]:
    """Run a command of the example; its exit code and what it printed on standard error."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        code = dccsim_main(args)
    return code, printed.getvalue()


def _with_admin(args: list[str], admin: str) -> list[str]:
    if args[0] == "clock":
        return ["clock", "--admin", admin, *args[1:]]
    return [*args, "--admin", admin]


@pytest.fixture(scope="module")
async def example(pg_base_url, tmp_path_factory):
    async with simulator_with_receivers(await create_fresh_database(pg_base_url),
                                        tmp_path_factory.mktemp("readme-alerts"), USERS, device_timeout=2.0,
                                        clock=ClockMode.SIMULATED,
                                        clock_start=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)) \
            as (running, receivers):
        for args in readme_commands():
            code, printed = await asyncio.to_thread(_run, _with_admin(args, running.admin_url))
            assert code == 0, (args, printed)
        await running.delivered()
        yield {user: list(receiver.received) for user, receiver in receivers.items()}


def _code(root: etree._Element) -> str:
    return root.findtext(".//{*}AlertCode") or root.findtext(".//{*}DCCAlertCode")


def _roots(bodies: list[bytes]) -> list[etree._Element]:
    return [etree.fromstring(body) for body in bodies]


async def test_the_example_raises_the_alerts_it_says_to_whom_it_says(example):
    codes = {user: {_code(root) for root in _roots(bodies)} for user, bodies in example.items()}
    assert {"8F74", "810D", "AD1", "8F0A"} <= codes[SUPPLIER]
    assert {"8F74", "AD1", "8F36"} <= codes[NETWORK_OPERATOR]
    assert codes[SUPPLIER_2] == set()
    throttled = [r for r in _roots(example[SUPPLIER]) if r.find(".//{*}ThrottledAlertSequenceId") is not None]
    storm = [r for r in _roots(example[SUPPLIER]) if _code(r) == "8F0A"]
    assert len(storm) + sum(int(r.findtext(".//{*}ThrottledAlertCount")) for r in throttled) == 200


async def test_every_alert_of_the_example_is_signed_and_valid(example):
    for bodies in example.values():
        for root in _roots(bodies):
            assert official_schema().validate(root), official_schema().error_log
            xmldsig.verify(root, zaz1_dsp_certificate())


async def test_the_java_validator_accepts_each_kind_of_alert(example, tool):  # noqa: F811
    samples: dict[tuple[str, bool], bytes] = {}
    for bodies in example.values():
        for body in bodies:
            root = etree.fromstring(body)
            samples.setdefault((_code(root), root.find(".//{*}ThrottledAlertSequenceId") is not None), body)
    for (code, _throttled), body in sorted(samples.items()):
        checked = tool("Validate", body)
        output = checked.stderr.decode() + checked.stdout.decode()
        assert checked.returncode == 0 and "passed signature check" in output, (code, output[-500:])
