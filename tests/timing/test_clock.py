"""The one clock: simulated time moves forward only and only when told; durations read as people write them;
moving it runs what falls due on the way, in order, and every process on the database follows it."""
from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta, timezone

import pytest

from dccsim.runtime.settings import Settings
from dccsim.runtime.simulator import start_simulator
from dccsim.timing.clock import ClockError, ClockMode, SimulatedClock, WallClock, parse_duration
from tests.conftest import create_fresh_database
from tests.integration.harness import prepare_with_keys, start_running_simulator

START = datetime(2027, 3, 1, 6, 0, tzinfo=timezone.utc)


def test_simulated_time_stands_still_and_moves_forward_only():
    clock = SimulatedClock(START)
    assert clock.now() == START and clock.now() == START
    clock.move_to(START + timedelta(hours=1))
    assert clock.now() == START + timedelta(hours=1)
    with pytest.raises(ClockError):
        clock.move_to(START)
    clock.follow(START)                       # another process behind this one changes nothing
    assert clock.now() == START + timedelta(hours=1)
    with pytest.raises(ClockError):
        SimulatedClock(datetime(2027, 1, 1))  # no time zone


def test_the_wall_clock_is_real_time():
    before = datetime.now(timezone.utc)
    assert before <= WallClock().now() <= datetime.now(timezone.utc)


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("15m", 900), ("+2h", 7200), ("1d12h", 129600),
                                           ("0.5s", 0.5), ("1w", 604800)])
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "h", "2x", "2h30", "abc"])
def test_what_is_not_a_duration(text):
    with pytest.raises(ValueError):
        parse_duration(text)


async def test_the_admin_api_moves_simulated_time_and_refuses_to_move_the_wall_clock(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            clock=ClockMode.SIMULATED, clock_start=START)
    try:
        async with running.session.get(f"{running.admin_url}/admin/clock") as response:
            assert await response.json() == {"mode": "simulated", "now": START.isoformat()}
        async with running.session.post(f"{running.admin_url}/admin/clock/advance", json={"duration": "1d"}) as response:
            assert response.status == 200
            assert (await response.json())["now"] == (START + timedelta(days=1)).isoformat()
        async with running.session.post(f"{running.admin_url}/admin/clock/advance", json={"to": "2027-01-01T00:00:00Z"}) \
                as response:
            assert response.status == 400 and "forward only" in (await response.json())["error"]
        assert running.sim.clock.now() == START + timedelta(days=1)
    finally:
        await running.close()
    wall = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path / "wall")
    try:
        async with wall.session.post(f"{wall.admin_url}/admin/clock/advance", json={"duration": "1h"}) as response:
            assert response.status == 409
    finally:
        await wall.close()


async def test_processes_on_one_database_share_simulated_time_and_a_restart_carries_on(pg_base_url, tmp_path):
    url = await create_fresh_database(pg_base_url)
    settings = Settings(data_dir=tmp_path, database_url=url, clock=ClockMode.SIMULATED, clock_start=START)
    await prepare_with_keys(settings)
    first = await start_simulator(settings, prepared=True, deliver=False)
    second = await start_simulator(Settings(data_dir=tmp_path, database_url=url, clock=ClockMode.SIMULATED),
                                   prepared=True, deliver=False)
    try:
        assert second.clock.now() == START
        await first.advance_clock(START + timedelta(hours=5))
        for _ in range(500):       # the other process hears of it through its notification
            if second.clock.now() == START + timedelta(hours=5):
                break
            await asyncio.sleep(0.01)
        assert second.clock.now() == START + timedelta(hours=5)
    finally:
        await first.close()
        await second.close()
    again = await start_simulator(Settings(data_dir=tmp_path, database_url=url, clock=ClockMode.SIMULATED),
                                  prepared=True, deliver=False)
    try:
        assert again.clock.now() == START + timedelta(hours=5)
    finally:
        await again.close()


async def test_the_clock_command_shows_and_moves_a_running_simulators_clock(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path,
                                            clock=ClockMode.SIMULATED, clock_start=START)

    async def dccsim_clock(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "dccsim", "clock", "--admin", running.admin_url, *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        return process.returncode, out.decode(), err.decode()

    try:
        assert await dccsim_clock() == (0, f"simulated clock: {START.isoformat()}\n", "")
        status, out, _ = await dccsim_clock("advance", "90m")
        assert status == 0 and out == f"simulated clock: {(START + timedelta(minutes=90)).isoformat()}\n"
        status, _, err = await dccsim_clock("advance", "soon")
        assert status == 1 and "not a duration" in err
    finally:
        await running.close()
