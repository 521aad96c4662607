"""CPU profiles of a serving process, for finding where a Service Request's time goes.

With ``DCCSIM_PROFILE_DIR`` set, every ``serve`` process (each worker) profiles its own thread with cProfile
on the thread's CPU clock — so time spent waiting for a core on a busy machine, or for PostgreSQL, is not
counted — and writes ``serve-PID.prof`` there when it stops. ``python -m dccsim.runtime.profiling DIR
REQUESTS`` prints the CPU each stage of the request path took per request. cProfile's own overhead inflates
Python-heavy stages more than C-heavy ones (XML, crypto), so the split is a guide, not a measurement to quote
to the microsecond.
"""
from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ENVIRONMENT = "DCCSIM_PROFILE_DIR"

# Where the CPU of a serving process goes: the stages of the request path, each the cumulative CPU of the
# functions (file fragment, name) that are it. The front door's own stages run inside ``process``; "the rest of
# the front door" is ``process`` less those, and HTTP is the front door's protocol (``HTTP``) less ``process``.
FRONT_DOOR_STAGES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("parse (safe parser)", (("duis/safexml.py", "parse_request"),)),
    ("XSD validation", (("duis/xsd.py", "validate"),)),
    ("request signature (c14n, hash, ECDSA verify)", (("duis/xmldsig.py", "verify"),)),
    ("traffic management and RequestID counter, waiting for its group", (("frontdoor/traffic.py", "admit"),)),
    ("response build (as canonical text, or an lxml tree)", (("duis/responses.py", "service_response_bytes"),
                                                             ("duis/responses.py", "service_response"))),
    ("response sign (c14n, hash, ECDSA sign)", (("duis/xmldsig.py", "sign_to_bytes"),
                                                ("duis/xmldsig.py", "sign_canonical_to_bytes"))),
    ("message log, queueing", (("frontdoor/pipeline.py", "_log"),)),
    ("device SR handler (GBCS command built, MAC'd, its job written with the device's state read)",
     (("handlers/device_commands.py", "device_request"),)),
)
PROCESS = (("frontdoor/pipeline.py", "process"),)
# The front door's HTTP/1.1 (``dccsim.frontdoor.app``): the parser's feed (``data_received``, with the request
# handed on from its callbacks) and each answer's task (``_send``, which awaits ``process``).
HTTP = (("frontdoor/app.py", "data_received"), ("frontdoor/app.py", "_send"))
BACKGROUND_STAGES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    # The requests that ask at the same moment go to the database in one round trip, from a task of its own.
    ("traffic management and RequestID counter, the group's round trip (DB)", (("frontdoor/traffic.py", "_drain"),)),
    ("message log, COPY to PostgreSQL", (("delivery/message_log.py", "_run"),)),
    # The job's device work runs in a task of its own (shielded from the caller's timeout).
    ("device job (GBCS both ways, the device, its one statement)", (("han/job_runner.py", "_process"),
                                                                     ("han/store.py", "_joined"))),
    ("outbox delivery (signed POST to the user, its acknowledgement)", (("delivery/outbox.py", "_run"),
                                                         ("delivery/outbox.py", "_deliver"))),
)


@contextmanager
def profiled() -> Iterator[None]:
    """Profile the calling thread on its CPU clock while inside, if ``DCCSIM_PROFILE_DIR`` is set."""
    folder = os.environ.get(ENVIRONMENT)
    if not folder:
        yield
        return
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        Path(folder).mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(Path(folder) / f"serve-{os.getpid()}.prof"))


def _cumulative(stats: pstats.Stats, wanted: tuple[tuple[str, str], ...]) -> float:
    return sum(cumulative for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers)
               in stats.stats.items()  # type: ignore[attr-defined]
               if any(filename.endswith(fragment) and name == function for fragment, function in wanted))


def stage_split(folder: Path) -> tuple[dict[str, float], float]:
    """CPU seconds per stage over every profile in ``folder``, and the total CPU they hold."""
    stats = pstats.Stats(*[str(p) for p in sorted(Path(folder).glob("serve-*.prof"))])
    total = sum(tt for (_cc, _nc, tt, _cum, _callers) in stats.stats.values())  # type: ignore[attr-defined]
    split = {name: _cumulative(stats, functions) for name, functions in FRONT_DOOR_STAGES}
    process = _cumulative(stats, PROCESS)
    split["front door, the rest (header, access control, inventory, 8.2 handler)"] = process - sum(split.values())
    split["HTTP, less the front door"] = _cumulative(stats, HTTP) - process
    split.update((name, _cumulative(stats, functions)) for name, functions in BACKGROUND_STAGES)
    split["everything else (event loop, timers, caches, start-up)"] = total - sum(split.values())
    return split, total


def main(argv: list[str]) -> int:
    folder, requests = Path(argv[0]), int(argv[1])
    split, total = stage_split(folder)
    print(f"{'stage':70s} {'CPU us/request':>14s} {'share':>6s}")
    for name, seconds in split.items():
        print(f"{name:70s} {1e6 * seconds / requests:14.0f} {100 * seconds / total:5.1f}%")
    print(f"{'all of the simulator processes':70s} {1e6 * total / requests:14.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
