"""CPU time used by the processes a bench run measures: the simulator's, its PostgreSQL's and the client's own.

On a machine shared with other work the throughput of a run says more about the neighbours than about the
simulator; the CPU each request cost does not. Read from ``/proc`` (Linux); elsewhere nothing is reported.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used so far) of a live process."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[0]
    found, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _postgres_of(data_dir: Path) -> set[int]:
    """The embedded PostgreSQL serving ``data_dir`` (its postmaster and every backend)."""
    marker = str(data_dir / "pgdata").encode()
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if command and command[0].endswith(b"postgres") and marker in command:
            return _descendants(int(entry.name))
    return set()


@dataclass(frozen=True)
class Snapshot:
    """CPU seconds used so far by each process of each group, and by this process."""
    groups: dict[str, dict[int, float]]
    client: float


class CpuMeter:
    """CPU seconds of the simulator started as ``server_pid`` (with its workers), of the embedded PostgreSQL in
    ``data_dir`` (with its backends) and of this process, from ``start`` on.

    The processes are looked up again at the end: a backend PostgreSQL starts during the run (a pool opening
    a connection under load) counts from its start. A process that ended during the run is not counted."""

    def __init__(self, server_pid: int, data_dir: Path):
        self.available = _PROC.is_dir()
        self._server_pid = server_pid
        self._data_dir = data_dir
        self._start: Snapshot | None = None

    def _now(self) -> Snapshot:
        groups = {"simulator": _descendants(self._server_pid), "postgres": _postgres_of(self._data_dir)}
        return Snapshot({who: {pid: stat[1] for pid in pids if (stat := _stat(pid)) is not None}
                         for who, pids in groups.items()}, time.process_time())

    def start(self) -> None:
        if self.available:
            self._start = self._now()

    def per_request_ms(self, requests: int) -> dict[str, float] | None:
        """CPU milliseconds a request cost since ``start``, by who spent them (and in all)."""
        if self._start is None or not requests:
            return None
        end = self._now()
        spent = {who: sum(used - self._start.groups[who].get(pid, 0.0) for pid, used in end.groups[who].items())
                 for who in end.groups}
        spent["client"] = end.client - self._start.client
        spent["all"] = sum(spent.values())
        return {who: round(1000 * seconds / requests, 3) for who, seconds in spent.items()}
