"""Scenario runs against real simulators (real HTTP, real PostgreSQL, real signatures): what a failure reports,
steps the simulator cannot carry out, a month of simulated time in moments, a running simulator as the target,
and what --keep keeps."""
from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import pytest
from lxml import etree

from dccsim.inventory import repository as repo
from dccsim.runtime.server import start_sites
from dccsim.runtime.settings import Settings
from dccsim.runtime.simulator import start_simulator
from dccsim.scenario import RunOptions, Status, UsageError, junit_xml, load_file, run_scenarios
from dccsim.smki.folders import export_folder
from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.paths import REPO

JUNIT_SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit-common.xsd"))))
READ = 'send: {variant: "4.1.1", device: 00-DB-12-34-56-78-90-A0}'


def _file(tmp_path: Path, text: str, name: str = "scenarios.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


async def _run(paths: list[Path], server: str, **options):
    lines: list[str] = []
    result = await run_scenarios([load_file(p) for p in paths], RunOptions(server_url=server, **options),
                                 out=lines.append)
    return result, "\n".join(lines)


async def test_a_wrong_expectation_fails_naming_the_step_and_what_came(tmp_path, pg_base_url):
    path = _file(tmp_path, f"""scenarios:
  - name: reads the meter
    steps:
      - {READ}
        expect: {{code: I99, response: {{code: I0, use_case: ECS17b}}}}
  - name: expects the wrong code
    steps:
      - {READ}
        expect: {{code: I99}}
      - {READ}
        expect: {{code: I0}}
      - advance: 1h
""")
    result, output = await _run([path], pg_base_url)
    passed, failed = sorted(result.scenarios, key=lambda s: s.name, reverse=True)
    assert passed.status is Status.PASSED and [s.summary for s in passed.steps] == ["I99, Response I0 ECS17b"]
    assert failed.status is Status.FAILED and not result.passed
    assert failed.message == "step 2 (line 10) send 4.1.1 to 00-DB-12-34-56-78-90-A0: expected code I0, got I99"
    assert len(failed.steps) == 2, "the scenario stops at its first failing step"
    assert "answer: I99" in failed.details and "<sr:ResponseCode>I99</sr:ResponseCode>" in failed.details
    # The request's message log: the request in, the answer out, the GBCS command.
    assert "message log of 90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:" in failed.details
    assert " in  request" in failed.details and "out response HTTP 200 I99" in failed.details
    assert "FAIL  2  send 4.1.1" in output and "2 scenarios in 1 files: 1 passed, 1 failed" in output
    report = etree.fromstring(junit_xml(result))
    assert JUNIT_SCHEMA.validate(report), JUNIT_SCHEMA.error_log
    failure = report.find("testsuite/testcase[@name='expects the wrong code']/failure")
    assert failure.get("message") == failed.message and "got I99" in failure.text


async def test_steps_that_cannot_be_carried_out_say_why(tmp_path, pg_base_url):
    path = _file(tmp_path, f"""scenarios:
  - name: an event the device cannot undergo
    steps:
      - event: {{device: 00-DB-12-34-56-78-90-A2, event: low-credit}}
  - name: a field the body does not have
    steps:
      - send: {{variant: "4.1.1", device: 00-DB-12-34-56-78-90-A0, body: {{Colour: blue}}}}
  - name: a value never saved
    steps:
      - send: {{variant: "5.3", body: {{DSPScheduleID: "${{schedule}}"}}}}
  - name: an estate that is not one
    estate: [demo, bad-estate.yaml]
    steps:
      - {READ}
  - name: no Response from an offline meter's hub
    steps:
      - fault: {{device: 00-DB-12-34-56-78-90-A2, offline: true}}
      - {READ}
        expect: {{code: I99, response: {{code: I0}}}}
""")
    _file(tmp_path, "users:\n  - {entity_id: nobody, roles: [IS]}\n", "bad-estate.yaml")
    result, _output = await _run([path], pg_base_url)
    by_name = {s.name: s for s in result.scenarios}
    events = by_name["an event the device cannot undergo"]
    assert events.status is Status.ERROR and "low-credit cannot happen to a CHF" in events.message
    field = by_name["a field the body does not have"]
    assert field.status is Status.ERROR and "ReadInstantaneousImportRegisters has no field Colour" in field.message
    unsaved = by_name["a value never saved"]
    assert unsaved.status is Status.ERROR and "${schedule} is not saved by an earlier step" in unsaved.message
    estate = by_name["an estate that is not one"]
    assert estate.status is Status.ERROR and "its simulator could not start" in estate.message
    assert "'nobody' is not an EUI-64" in estate.message
    offline = by_name["no Response from an offline meter's hub"]
    assert offline.status is Status.FAILED and "expected Response code I0, got E20" in offline.message


async def test_a_month_of_daily_reads_a_tariff_and_alerts_takes_moments(pg_base_url):
    started = time.monotonic()
    result, output = await _run([REPO / "scenarios" / "journeys" / "thirty-days.yaml"], pg_base_url)
    elapsed = time.monotonic() - started
    (month,) = result.scenarios
    assert month.status is Status.PASSED, output
    assert "30 scheduled messages to 90-B3-D5-1F-30-01-00-00" in output
    assert elapsed < 60, f"a simulated month took {elapsed:.1f} s"


async def test_a_scenario_that_does_not_apply_to_the_release_is_skipped(tmp_path, pg_base_url):
    path = _file(tmp_path, f"""scenarios:
  - name: only for the new release
    releases: [duis-4.0]
    steps:
      - {READ}
  - name: both
    steps:
      - {READ}
        expect: {{duis-4.0: E1, duis-3.1: {{code: I99}}}}
      - advance: 1h
        releases: [duis-4.0]
""")
    result, _output = await _run([path], pg_base_url, release="duis-3.1")
    by_name = {s.name: s for s in result.scenarios}
    assert by_name["only for the new release"].status is Status.SKIPPED
    both = by_name["both"]
    assert both.status is Status.PASSED and both.release == "duis-3.1"
    assert both.steps[1].summary == "skipped under duis-3.1"
    assert result.passed
    with pytest.raises(UsageError, match="unknown release"):
        await _run([path], pg_base_url, release="duis-9")


async def test_keep_keeps_what_was_sent_and_received(tmp_path, pg_base_url):
    path = _file(tmp_path, f"scenarios:\n  - name: kept\n    steps:\n      - {READ}\n"
                           f"        expect: {{code: I99, response: {{code: I0}}}}\n")
    work = tmp_path / "run"
    result, _output = await _run([path], pg_base_url, keep=True, work_dir=work)
    assert result.passed
    (scenario_dir,) = [d for d in work.iterdir() if d.name.endswith("-kept")]
    assert sorted(p.name for p in (scenario_dir / "sent").iterdir()) == ["0001.xml"]
    received = sorted((scenario_dir / "received").iterdir())
    assert received and received[0].name.endswith("-90B3D51F30010000-response.xml")
    assert (scenario_dir / "keys" / "xml-sign-90B3D51F30010000-ds.key").exists()


@pytest.fixture
async def running_simulator(pg_base_url, tmp_path):
    """A simulator serving on its own, with the simulated clock, and its keys exported as `serve` does."""
    settings = Settings(data_dir=tmp_path / "served", database_url=await create_fresh_database(pg_base_url),
                        port=0, admin_port=0, smki_port=0, clock=ClockMode.SIMULATED)
    sim = await start_simulator(settings)
    export_folder(sim.smki, settings.keys_dir)
    runners = await start_sites(sim)
    duis, admin = runners[0].addresses[0], runners[-1].addresses[0]   # start_sites: DUIS first, admin last
    yield sim, f"http://{duis[0]}:{duis[1]}", f"http://{admin[0]}:{admin[1]}", settings.keys_dir
    for runner in runners:
        await runner.cleanup()
    await sim.close()


async def test_a_running_simulator_as_the_target(tmp_path, running_simulator):
    sim, duis_url, admin_url, keys = running_simulator
    async with sim.db.pool.acquire() as conn:
        await repo.set_endpoint(conn, "90B3D51F30010000", "http://127.0.0.1:9/back-office")
        before = {u.entity_id: u.response_endpoint for u in await repo.list_users(conn)}
    path = _file(tmp_path, f"""scenarios:
  - name: on the target
    steps:
      - {READ}
        expect: {{code: I99, response: {{code: I0, use_case: ECS17b}}}}
      - advance: 1d
  - name: for the other release
    release: duis-3.1
    steps:
      - advance: 1h
  - name: on an estate of its own
    estate: [demo, estate.yaml]
    steps:
      - advance: 1h
""")
    _file(tmp_path, "users: []\n", "estate.yaml")
    clock_before = sim.clock.now()
    # The users' keys come from the target's admin API (GET /admin/keys.zip).
    result = await run_scenarios([load_file(path)], RunOptions(target=duis_url, admin=admin_url),
                                 out=lambda line: None)
    by_name = {s.name: s for s in result.scenarios}
    assert by_name["on the target"].status is Status.PASSED
    assert by_name["for the other release"].status is Status.SKIPPED
    assert "the target simulator runs duis-4.0" in by_name["for the other release"].message
    assert by_name["on an estate of its own"].status is Status.SKIPPED
    assert "run it without --target" in by_name["on an estate of its own"].message
    assert (sim.clock.now() - clock_before).days == 1
    async with sim.db.pool.acquire() as conn:
        assert {u.entity_id: u.response_endpoint for u in await repo.list_users(conn)} == before
    with pytest.raises(UsageError, match="runs duis-4.0, not duis-3.1"):
        await run_scenarios([load_file(path)], RunOptions(target=duis_url, admin=admin_url, keys=keys,
                                                          release="duis-3.1"), out=lambda line: None)


async def test_the_admin_api_lists_users_points_their_endpoints_says_what_is_pending_and_rekeys(running_simulator):
    sim, _duis_url, admin_url, _keys = running_simulator
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{admin_url}/admin/users") as answer:
            users = {u["entity_id"]: u for u in (await answer.json())["users"]}
        assert users["90B3D51F30010000"]["roles"] == ["IS", "ES", "GS"]
        url = f"{admin_url}/admin/users/90-B3-D5-1F-30-01-00-00/endpoint"
        async with http.put(url, json={"url": "http://127.0.0.1:9/duis"}) as answer:
            assert answer.status == 200 and (await answer.json())["endpoint"] == "http://127.0.0.1:9/duis"
        async with http.put(url, json={"url": "ftp://elsewhere"}) as answer:
            assert answer.status == 400
        async with http.put(f"{admin_url}/admin/users/90-B3-D5-1F-30-09-09-09/endpoint", json={"url": None}) \
                as answer:
            assert answer.status == 404
        async with http.get(f"{admin_url}/admin/pending") as answer:
            assert await answer.json() == {"device_jobs": 0, "outbox": 0}
        rekey = f"{admin_url}/admin/devices/00-DB-12-34-56-78-90-A0/rekey"
        held = sim.smki.gbcs("00DB1234567890A0", "ka").certificate
        async with http.post(rekey, json={"credential": "Key Agreement"}) as answer:
            assert answer.status == 200 and (await answer.json())["serial"] != format(held.serial_number, "x")
        assert sim.smki.gbcs("00DB1234567890A0", "ka").certificate == held, "the DCC learns of it only by 6.24.2"
        async with http.post(rekey, json={"credential": "Prepayment"}) as answer:
            assert answer.status == 400
        async with http.post(f"{admin_url}/admin/devices/00-DB-12-34-56-78-99-99/rekey",
                             json={"credential": "Key Agreement"}) as answer:
            assert answer.status == 404
    assert (await repo.get_user(sim.db.pool, "90B3D51F30010000")).response_endpoint == "http://127.0.0.1:9/duis"


@pytest.mark.parametrize("release", ["duis-4.0", "duis-3.1"])
async def test_the_readme_example_runs(tmp_path, pg_base_url, release):
    readme = (REPO / "README.md").read_text()
    start = readme.index("```yaml\nscenarios:\n  - name: a tariff from tomorrow") + len("```yaml\n")
    path = _file(tmp_path, readme[start:readme.index("```", start)], "example.yaml")
    (tmp_path / "requests").mkdir()
    (tmp_path / "requests" / "tariff.xml").write_bytes(
        (REPO / "scenarios" / "journeys" / "requests" / "update-tariff-two-rate.xml").read_bytes())
    result, output = await _run([path], pg_base_url, release=release)
    assert [s.status for s in result.scenarios] == [Status.PASSED, Status.PASSED], output
