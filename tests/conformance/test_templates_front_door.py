"""Each of the 252 shared DUIS templates, signed, passes the front door's XSD and signature stages.

None may be rejected as malformed, schema-invalid or badly signed. Templates of Service Requests the
simulator does not route yet are reported (printed), not failed.
"""
from __future__ import annotations

from collections import Counter

import pytest

from dccsim.catalogue import CV_WEB_SERVICE
from dccsim.duis import client
from dccsim.duis.ids import RequestId
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from tests.integration.harness import zaz1_signer
from tests.paths import DUIS_TEMPLATES

TEMPLATES = sorted(p.name for p in DUIS_TEMPLATES.glob("*.XML")) if DUIS_TEMPLATES.exists() else []


@pytest.mark.skipif(not TEMPLATES, reason="../shared/conformance/duis-templates is not available")
async def test_every_template_passes_xsd_and_signature(running, capsys):
    signers: dict[str, DuisSigner] = {}

    def signer_for(originator: str) -> DuisSigner:
        # The public ZAZ1 key where one exists for the originator, else the simulator's own for that user.
        if originator not in signers:
            try:
                signers[originator] = zaz1_signer(originator)
            except LookupError:
                own = running.sim.smki.xml_signing(originator)
                signers[originator] = DuisSigner(own.private_key, own.certificate)
        return signers[originator]

    outcomes: Counter = Counter()
    not_routed: list[str] = []
    failures: list[str] = []
    for name in TEMPLATES:
        root = client.prepare((DUIS_TEMPLATES / name).read_bytes())
        cv = int(root.find(sr("Header")).findtext(sr("CommandVariant")))
        originator = RequestId.parse(client.request_id_of(root)).originator
        answer = await running.post(CV_WEB_SERVICE[cv], client.sign(root, signer_for(originator)))
        if answer.status in (400, 401, 413):
            failures.append(f"{name}: {answer.status} {answer.body[:200]!r}")
        elif answer.status == 501:
            not_routed.append(name)
        outcomes[answer.code if answer.status == 200 else f"HTTP {answer.status}"] += 1
    with capsys.disabled():
        print(f"\n{len(TEMPLATES)} templates: {dict(sorted(outcomes.items()))}")
        print(f"not routed yet: {len(not_routed)} templates" + (f" (e.g. {', '.join(not_routed[:5])})" if not_routed else ""))
    assert len(TEMPLATES) == 252
    assert not failures, "\n".join(failures)
