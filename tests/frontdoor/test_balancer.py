"""The rule that spreads a host's DUIS connections over its workers (``dccsim.frontdoor.balancer``), in one process:
who keeps a connection just accepted, who is handed nothing, and a socket handed over arriving whole."""
from __future__ import annotations

import socket

import pytest

from dccsim.frontdoor import balancer

pytestmark = pytest.mark.skipif(not balancer.supported(), reason="sockets are handed over Unix sockets")


@pytest.fixture
def workers():
    made = balancer.create(3)
    yield made
    for worker in made:
        worker.receiver.close()
    for inbox in made[0].inboxes:
        inbox.close()


def test_a_worker_keeps_a_connection_until_it_holds_more_than_another(workers):
    first, second, third = workers
    for worker in workers:
        worker.serving()
    decided = [first.destination() for _ in range(6)]
    assert decided == [None, 1, 2, None, 1, 2]
    assert first.held() == [2, 2, 2]
    second.closed()
    assert third.destination() == 1 and first.held() == [2, 2, 2]


def test_a_worker_not_serving_is_handed_nothing(workers):
    first, second, third = workers
    first.serving()
    third.serving()
    assert [first.destination() for _ in range(4)] == [None, 2, None, 2]
    assert first.held() == [2, None, 2]
    third.stopped()
    assert [first.destination() for _ in range(2)] == [None, None]
    assert first.held() == [4, None, None]


def test_a_handed_connection_arrives_whole(workers):
    first, second, _ = workers
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        client.sendall(b"sent before it was handed")
        assert first.hand(accepted, 1)
        accepted.close()                       # the sender's copy; the connection lives on in the inbox
        (received,) = second.receive()
        received.setblocking(True)
        assert received.recv(100) == b"sent before it was handed"
        received.sendall(b"answered by the other worker")
        assert client.recv(100) == b"answered by the other worker"
        received.close()
        client.close()
    assert second.receive() == []


def test_a_worker_that_is_gone_is_handed_nothing_more(workers):
    first, second, third = workers
    for worker in workers:
        worker.serving()
    second.receiver.close()                    # its process died
    assert first.destination() is None and first.destination() == 1
    one, other = socket.socketpair()
    try:
        assert not first.hand(one, 1)
    finally:
        one.close()
        other.close()
    assert first.held() == [2, None, 0]
    assert first.destination() == 2
