"""The embedded PostgreSQL server (the ``pgserver`` wheel) living in the simulator's data directory."""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


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

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    uri = server.get_uri()
    log.info("embedded PostgreSQL at %s", pgdata)
    return uri
