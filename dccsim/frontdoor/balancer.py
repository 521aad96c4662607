"""A host's DUIS connections spread evenly over its worker processes.

Every worker of one ``serve`` listens on the DUIS port with SO_REUSEPORT, and the kernel gives each new
connection to one of their sockets by a hash of its addresses. A client's connections are few and long-lived
(keep-alive), so that hash alone could leave one worker holding most of them, and their load on one core,
while the other workers idle: with 16 connections over two workers, one holds 12 or more about one time in
thirteen (and the bench's non-device throughput fell by about 6 % in such a run). So a worker that accepts a
connection while it holds more than the least-loaded worker hands the socket to that worker (SCM_RIGHTS over a
Unix datagram socket pair), before a byte of it is read: no worker holds more than one more than another.

What each worker holds is counted in shared memory, one slot a worker, written under the array's lock: a
connection counts for the worker that keeps it or is handed it from the moment that is decided, and stops
counting when it closes. A worker not serving yet (or any more) counts as absent and is handed nothing.
"""
from __future__ import annotations

import array
import logging
import multiprocessing
import socket
import sys
from dataclasses import dataclass

log = logging.getLogger(__name__)

ABSENT = -1          # the slot of a worker that is not serving DUIS
_TOKEN = b"c"        # the datagram that carries one connection's socket


def supported() -> bool:
    """Whether sockets can be handed between processes here (Unix, with SCM_RIGHTS)."""
    return sys.platform != "win32" and hasattr(socket, "send_fds")


@dataclass
class WorkerBalance:
    """One worker's view of its host's workers: its index, the shared counts and every worker's inbox (the
    sending end of each pair, and the receiving end of its own)."""

    index: int
    counts: "multiprocessing.sharedctypes.SynchronizedArray"
    inboxes: list[socket.socket]      # inboxes[i]: where connections for worker i are sent
    receiver: socket.socket           # where this worker's connections arrive

    def serving(self) -> None:
        with self.counts.get_lock():
            self.counts[self.index] = 0

    def stopped(self) -> None:
        with self.counts.get_lock():
            self.counts[self.index] = ABSENT

    def destination(self) -> int | None:
        """Where a connection this worker has just accepted goes: None to keep it, else the worker to hand it to.
        Either way it is counted there now."""
        with self.counts.get_lock():
            counts = self.counts[:]
            present = [(count, i) for i, count in enumerate(counts) if count != ABSENT]
            least, other = min(present) if present else (0, self.index)
            mine = max(counts[self.index], 0)
            target = other if mine > least and other != self.index else self.index
            self.counts[target] += 1
        return None if target == self.index else target

    def held(self) -> list[int | None]:
        """The connections each worker holds (None for a worker not serving), in worker order."""
        return [None if count == ABSENT else count for count in self.counts[:]]

    def closed(self) -> None:
        """A connection this worker held has closed."""
        with self.counts.get_lock():
            if self.counts[self.index] > 0:
                self.counts[self.index] -= 1

    def hand(self, connection: socket.socket, target: int) -> bool:
        """Send ``connection`` to worker ``target``; False if that fails: it is then counted here, and ``target``
        (gone, or its inbox full) is handed nothing more until it serves again."""
        try:
            socket.send_fds(self.inboxes[target], [_TOKEN], [connection.fileno()])
        except OSError as exc:
            log.warning("could not hand a DUIS connection to worker %d (%s); keeping it", target, exc)
            with self.counts.get_lock():
                self.counts[target] = ABSENT
                self.counts[self.index] += 1
            return False
        return True

    def receive(self) -> list[socket.socket]:
        """The connections handed to this worker and waiting in its inbox."""
        received = []
        while True:
            try:
                _, fds, _, _ = socket.recv_fds(self.receiver, len(_TOKEN), 8)
            except (BlockingIOError, InterruptedError):
                return received
            received += [socket.socket(fileno=fd) for fd in array.array("i", fds)]


def create(workers: int) -> list[WorkerBalance]:
    """The balance of ``workers`` processes (index 0 first), to be given to each before it starts serving."""
    context = multiprocessing.get_context("spawn")
    counts = context.Array("i", [ABSENT] * workers)
    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM) for _ in range(workers)]
    for receiving, sending in pairs:
        receiving.setblocking(False)
        sending.setblocking(False)
    inboxes = [sending for _, sending in pairs]
    return [WorkerBalance(i, counts, inboxes, pairs[i][0]) for i in range(workers)]
