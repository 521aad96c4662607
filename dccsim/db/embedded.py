"""The embedded PostgreSQL server (the ``pgserver`` wheel) living in the simulator's data directory."""
from __future__ import annotations

import atexit
import json
import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_HANDLES = ".handle_pids.json"   # pgserver's list of the processes using the server
_JOINED: dict[Path, Any] = {}    # the servers this process started or joined, by their data directory


def start_embedded(pgdata: Path) -> str:
    """Start (or join) the embedded server for ``pgdata`` and return its connection URI.

    Several processes may share one data directory: the first starts the server,
    the others connect to it, and the last one to exit stops it.
    """
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent / "run"))
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    runtime.mkdir(parents=True, exist_ok=True)
    if runtime.stat().st_uid == os.getuid():
        runtime.chmod(0o700)
    pgdata.mkdir(parents=True, exist_ok=True)
    import pgserver  # imported late: it pulls in psutil and friends
    from pgserver.postgres_server import PostgresServer

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with PostgresServer._lock:
        forget_dead_users(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    _JOINED[pgdata.resolve()] = server
    uri = server.get_uri()
    log.info("embedded PostgreSQL at %s", pgdata)
    return uri


def stop_embedded(pgdata: Path) -> None:
    """Leave the embedded server for ``pgdata`` now rather than at exit, stopping it if this process is its last
    user: before its data directory is deleted, which a server cannot be stopped without."""
    server = _JOINED.pop(Path(pgdata).resolve(), None)
    if server is None:
        return
    server.cleanup()
    atexit.unregister(server._cleanup)   # pgserver's exit hook: done now, and its lock file may be gone by then


def forget_dead_users(pgdata: Path) -> list[int]:
    """Drop processes that died without saying so (SIGKILL) from the server's user list, so that the last
    live user still stops the server when it exits; return the pids dropped."""
    path = pgdata / _HANDLES
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    alive = [pid for pid in pids if _alive(pid)]
    if len(alive) != len(pids):
        path.write_text(json.dumps(alive))
    return [pid for pid in pids if pid not in alive]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie (killed, not yet reaped by its parent) is dead for this purpose
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
