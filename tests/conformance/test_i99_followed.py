"""Every I99 is followed by what DUIS promises: each shared template the simulator acknowledges with I99 (or an
accepting warning, W…) is sent over HTTP, signed, as in ``test_templates_front_door``; two simulated minutes
later, what ``dccsim.catalogue.after_i99`` says follows it has reached the sender's endpoint — a Response carrying
its RequestID, or (11.1 / 11.4) the alerts the DCC logged under it — or the catalogue says, with its reason, that
nothing more is promised."""
from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

import pytest
from lxml import etree

from dccsim.catalogue.after_i99 import FollowUp, after_i99
from dccsim.duis import xmldsig
from dccsim.duis.ids import RequestId, canonical_request_id
from dccsim.duis.namespaces import sr
from dccsim.inventory import repository as repo
from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.conformance.test_templates_front_door import ISOLATED, TEMPLATES, _send
from tests.integration.checks import zaz1_dsp_certificate
from tests.integration.harness import official_schema, start_running_simulator
from tests.integration.receiver import Receiver

pytestmark = pytest.mark.slow

TWO_MINUTES = 120


@dataclass(frozen=True)
class Acknowledged:
    template: str
    variant: str
    request_id: str
    sender: str


class _Estate:
    """A simulator on the simulated clock whose every user's Responses and alerts reach one receiver."""

    def __init__(self, running, receiver: Receiver):
        self.running, self.receiver, self.signers = running, receiver, {}
        self.acknowledged: list[Acknowledged] = []

    @classmethod
    async def start(cls, pg_base_url, folder) -> "_Estate":
        running = await start_running_simulator(await create_fresh_database(pg_base_url), folder,
                                                clock=ClockMode.SIMULATED, device_timeout=2.0)
        receiver = await Receiver().start()
        for user in await repo.list_users(running.sim.db.pool):
            await repo.set_endpoint(running.sim.db.pool, user.entity_id, receiver.url)
        return cls(running, receiver)

    async def send(self, name: str) -> None:
        root, answer = await _send(self.running, name, self.signers)
        if answer.status == 200 and (answer.code == "I99" or (answer.code or "").startswith("W")):
            header = root.find(sr("Header"))
            request_id = header.findtext(sr("RequestID"))
            self.acknowledged.append(Acknowledged(name, header.findtext(sr("ServiceReferenceVariant")), request_id,
                                                  RequestId.parse(request_id).originator))

    async def settle(self) -> None:
        """Two simulated minutes on, everything due done and delivered."""
        await self.running.advance(TWO_MINUTES)
        deadline = asyncio.get_running_loop().time() + 60
        while True:
            async with self.running.session.get(f"{self.running.admin_url}/admin/pending") as response:
                pending = await response.json()
            if not pending["device_jobs"] and not pending["outbox"]:
                return
            assert asyncio.get_running_loop().time() < deadline, f"still pending: {pending}"
            await asyncio.sleep(0.1)

    async def problems(self) -> tuple[list[str], Counter]:
        documents = [etree.fromstring(body) for body in self.receiver.received]
        responses = {root.findtext(f"{sr('Header')}/{sr('RequestID')}"): root for root in documents
                     if root.find(f".//{sr('ResponseMessage')}") is not None}
        received = set(self.receiver.received)
        found, kinds = [], Counter()
        for ack in self.acknowledged:
            promised = after_i99(ack.variant)
            kinds[promised.follow_up] += 1
            if promised.follow_up is FollowUp.RESPONSE:
                if ack.request_id not in responses:
                    found.append(f"{ack.template}: no Response carrying {ack.request_id} reached the sender")
                elif not official_schema().validate(responses[ack.request_id]):
                    found.append(f"{ack.template}: its Response is not valid DUIS: {official_schema().error_log}")
                else:
                    xmldsig.verify(responses[ack.request_id], zaz1_dsp_certificate())
            elif promised.follow_up is FollowUp.ALERTS:
                rows = await self.running.sim.db.pool.fetch(
                    "SELECT body, status FROM outbox WHERE request_id = $1 AND user_id = $2",
                    canonical_request_id(ack.request_id), ack.sender)
                if not rows or any(r["status"] != "delivered" or r["body"].encode() not in received for r in rows):
                    found.append(f"{ack.template}: the alerts logged under {ack.request_id} did not all reach the "
                                 f"sender ({[r['status'] for r in rows]})")
            elif promised.follow_up is FollowUp.NOTHING and not promised.what:
                found.append(f"{ack.template}: the catalogue gives no reason why nothing follows its I99")
        return found, kinds

    async def close(self) -> None:
        await self.receiver.stop()
        await self.running.close()


@pytest.mark.skipif(not TEMPLATES, reason="../shared/conformance/duis-templates is not available")
async def test_every_i99_is_followed_by_what_duis_promises(pg_base_url, tmp_path_factory, capsys):
    estates = [await _Estate.start(pg_base_url, tmp_path_factory.mktemp("i99"))]
    try:
        for name in TEMPLATES:
            if not name.startswith(ISOLATED):
                await estates[0].send(name)
        for name in TEMPLATES:
            if name.startswith(ISOLATED):      # each changes the inventory for the ones after it
                estates.append(await _Estate.start(pg_base_url, tmp_path_factory.mktemp("i99-isolated")))
                await estates[-1].send(name)
        problems, kinds = [], Counter()
        for estate in estates:
            await estate.settle()
            found, counted = await estate.problems()
            problems += found
            kinds.update(counted)
        acknowledged = [ack for estate in estates for ack in estate.acknowledged]
        with capsys.disabled():
            print(f"\n{len(acknowledged)} templates acknowledged I99 / W: "
                  f"{dict(sorted((str(k), v) for k, v in kinds.items()))} "
                  f"({len({a.variant for a in acknowledged})} Service Request variants)")
        variants = {a.variant for a in acknowledged}
        assert {"8.3", "8.14.3", "8.14.4", "11.1", "11.4"} <= variants
        assert not problems, "\n".join(problems)
    finally:
        for estate in estates:
            await estate.close()
