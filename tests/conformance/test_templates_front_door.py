"""Each of the 252 shared DUIS templates, signed and sent over HTTP, gets exactly the answer it should.

* None is refused as malformed, schema-invalid or badly signed (HTTP 400 / 401 / 413), and none gets a
  server error (5xx) other than 501, the answer for a Service Request the simulator does not route yet.
* A template of a routed Service Request succeeds with the code DUIS gives its command variant (I99 for a
  command sent to the device, I0 for a Pre-Command or a locally delivered command, I0 / I99 for a
  non-device request with / without data), unless ``EXPECTED`` below names its answer and why: the
  demo estate entitles every sender DUIS allows (``scenarios/demo-estate.yaml``).
* Templates that change the inventory in ways that would decide later answers (decommissioning, a hub
  returned) run last, each against a simulator of its own, so that every answer is the template's own.

The per-outcome counts and the templates not routed yet are printed.
"""
from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree

from dccsim.catalogue import CATALOGUE, CV_WEB_SERVICE
from dccsim.duis import client, xmldsig
from dccsim.duis.ids import RequestId
from dccsim.duis.namespaces import sr
from dccsim.duis.xmldsig import DuisSigner
from dccsim.handlers.table import HANDLERS
from tests.conftest import create_fresh_database
from tests.integration.checks import zaz1_dsp_certificate
from tests.integration.harness import official_schema, start_running_simulator, zaz1_signer
from tests.paths import DUIS_TEMPLATES

TEMPLATES = sorted(p.name for p in DUIS_TEMPLATES.glob("*.XML")) if DUIS_TEMPLATES.exists() else []

# Templates whose request changes the inventory for the ones after it: each runs on a fresh simulator (a change
# of supplier makes the template certificates' supplier the meter's import supplier).
ISOLATED = ("8.3_", "8.14.3_", "8.14.4_", "CS02bSupplierByTransCoS_6.23_")

_DCC_IS_NO_USER = ("sent from the DCC's own id 90-B3-D5-1F-30-00-00-02 (the Access Control Broker): the DCC is "
                   "not a DCC User and holds no User Role, so DUIS refuses it whatever the Service Request")

# The answer DUIS gives a template that does not simply succeed against the demo estate, and why.
EXPECTED: dict[str, tuple[str, str]] = {
    "5.2_READ_SCHEDULE_REQUEST_DUIS.XML": ("E050201", "no DCC schedule with its DSPScheduleID exists yet"),
    "5.3_DELETE_SCHEDULE_REQUEST_DUIS.XML": ("E050301", "no DCC schedule with its DSPScheduleID exists yet"),
    "8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML": ("E080405", "it deletes A0, which is Commissioned"),
    "CCS03_8.12.1_SUCCESS_REQUEST_DUIS.XML": (
        "E081204", "its old hub 00-DB-12-34-56-78-90-95 never sent the DCC a device-log backup (CS14): there is "
                   "nothing to restore, and the new hub's log is not emptied"),
    "8.13_RETURN_LOCAL_COMMAND_RESPONSE_CS06_REQUEST_DUIS.XML": (
        "E081302", "the device response it returns answers no command the simulator issued"),
    "8.14.1_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_SUCCESS_REQUEST_DUIS.XML": (
        "W081401", "release note V4.0: the hub A2 is Commissioned, not InstalledNotCommissioned"),
    "8.14.2_COMMUNICATIONS_HUB_STATUS_UPDATE_INSTALL_NO_SM_WAN_REQUEST_DUIS.XML": (
        "W081401", "release note V4.0: the hub A2 is Commissioned, not InstalledNotCommissioned"),
    "12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML": (
        "E5", "it pre-notifies A0, which the estate already holds as Commissioned"),
    "CS08_11.2_SUCCESS_REQUEST_DUIS.XML": ("E2", _DCC_IS_NO_USER),
    "GCS59_8.12.2_SUCCESS_REQUEST_DUIS.XML": ("E2", _DCC_IS_NO_USER),
    "GCS16b_4.14_URP_SUCCESS_REQUEST_DUIS.XML": (
        "E4", "sent by the second supplier as an Unknown Remote Party, i.e. a gas supplier after a change of "
              "supplier, while every other gas sample is sent by 90-B3-D5-1F-30-01-00-00 as the current gas "
              "supplier of A1/A3; one estate cannot register both, and DUIS refuses a non-registered supplier"),
    "ECS50_9.1_SUCCESS_REQUEST_DUIS.XML": (
        "E2", "the DUIS matrix makes 9.1 an Other User Service Request and the sender is a supplier's User ID"),
    "GCS36_9.1_SUCCESS_REQUEST_DUIS.XML": (
        "E2", "the DUIS matrix makes 9.1 an Other User Service Request and the sender is a supplier's User ID"),
    **{name: ("E11", "release note V4.0 §5.4: DUIS V4.0 updates 7.5–7.8 because GBCS v4.0 deprecates their use cases "
                     "(ECS47, ECS61a); the demo ESME runs GBCS v4.0, so DUIS refuses them for it (7.13–7.15 take "
                     "their place)")
       for name in ("ECS47Activate_7.5_SUCCESS_REQUEST_DUIS.XML", "ECS47Deactivate_7.6_SUCCESS_REQUEST_DUIS.XML",
                    "ECS47Reset_7.8_SUCCESS_REQUEST_DUIS.XML")},
    "ECS47e_7.16_APC_INPUT_SUCCESS_REQUEST_DUIS.XML": (
        "E2", "the DUIS matrix of this release names no User Role for 7.16 Limit APC Level"),
    "ECS47e_7.16_APC_OUTPUT_SUCCESS_REQUEST_DUIS.XML": (
        "E2", "the DUIS matrix of this release names no User Role for 7.16 Limit APC Level"),
}

# Non-device Service Requests whose successful Response carries data (I0); the others answer I99.
_NON_DEVICE_WITH_DATA = {"5.1", "5.2", "8.2", "8.6", "12.1"}


def _success_code(variant: str, command_variant: int) -> str:
    if command_variant == 8:
        return "I0" if variant in _NON_DEVICE_WITH_DATA else "I99"
    return "I99" if command_variant in (1, 5) else "I0"


class _Judge:
    def __init__(self) -> None:
        self.outcomes: Counter = Counter()
        self.not_routed: list[str] = []
        self.failures: list[str] = []

    def __call__(self, name: str, root: etree._Element, answer) -> None:
        header = root.find(sr("Header"))
        variant = header.findtext(sr("ServiceReferenceVariant"))
        cv = int(header.findtext(sr("CommandVariant")))
        self.outcomes[answer.code if answer.status == 200 else f"HTTP {answer.status}"] += 1
        if answer.status == 501:
            self.not_routed.append(name)
            if variant in HANDLERS:
                self.failures.append(f"{name}: 501 for routed variant {variant}")
            return
        if answer.status != 200:
            self.failures.append(f"{name}: HTTP {answer.status} {answer.body[:200]!r}")
            return
        response = answer.root
        if not official_schema().validate(response):
            self.failures.append(f"{name}: response invalid against the official XSD: {official_schema().error_log}")
        xmldsig.verify(response, zaz1_dsp_certificate())
        expected, _why = EXPECTED.get(name, (None, ""))
        if expected is None:
            if variant not in HANDLERS:
                self.failures.append(f"{name}: answered {answer.code} for a variant with no handler")
                return
            expected = _success_code(variant, cv)
        if answer.code != expected:
            self.failures.append(f"{name}: {answer.code}, expected {expected}")


def _signer_for(running, originator: str, cache: dict[str, DuisSigner]) -> DuisSigner:
    """The public ZAZ1 key where one exists for the originator, else the simulator's own for that user."""
    if originator not in cache:
        try:
            cache[originator] = zaz1_signer(originator)
        except LookupError:
            own = running.sim.smki.xml_signing(originator)
            cache[originator] = DuisSigner(own.private_key, own.certificate)
    return cache[originator]


async def _send(running, name: str, signers: dict[str, DuisSigner]):
    root = client.prepare((DUIS_TEMPLATES / name).read_bytes())
    cv = int(root.find(sr("Header")).findtext(sr("CommandVariant")))
    originator = RequestId.parse(client.request_id_of(root)).originator
    answer = await running.post(CV_WEB_SERVICE[cv], client.sign(root, _signer_for(running, originator, signers)))
    return root, answer


def test_expectations_name_real_templates_and_routed_successes_are_not_refused():
    assert set(EXPECTED) <= set(TEMPLATES)
    for name, (code, why) in EXPECTED.items():
        assert why and code
        variant = CATALOGUE.get(etree.parse(str(DUIS_TEMPLATES / name)).getroot().findtext(
            f"{sr('Header')}/{sr('ServiceReferenceVariant')}"))
        # A SUCCESS template of a routed Service Request may only be refused where DUIS itself refuses it.
        if "SUCCESS" in name and variant.variant in HANDLERS and code in ("E2", "E4", "E5"):
            assert "DUIS" in why, name


@pytest.mark.skipif(not TEMPLATES, reason="../shared/conformance/duis-templates is not available")
async def test_every_template_gets_its_answer(running, pg_base_url, tmp_path_factory, capsys):
    judge, signers = _Judge(), {}
    for name in TEMPLATES:
        if not name.startswith(ISOLATED):
            judge(name, *await _send(running, name, signers))
    for name in TEMPLATES:
        if name.startswith(ISOLATED):
            fresh = await start_running_simulator(await create_fresh_database(pg_base_url),
                                                  tmp_path_factory.mktemp("isolated"))
            try:
                judge(name, *await _send(fresh, name, {}))
            finally:
                await fresh.close()
    with capsys.disabled():
        print(f"\n{len(TEMPLATES)} templates: {dict(sorted(judge.outcomes.items()))}")
        by_variant: dict[str, list[str]] = {}
        for name in judge.not_routed:
            use_case, variant = name.split("_")[:2]
            by_variant.setdefault(variant, []).append(use_case)
        print(f"not routed yet: {len(judge.not_routed)} templates of {len(by_variant)} Service Request variants")
        for variant in sorted(by_variant, key=lambda v: [int(p) for p in v.split(".")]):
            print(f"  {variant:<7} {' '.join(by_variant[variant])}")
    assert len(TEMPLATES) == 252
    assert not judge.failures, "\n".join(judge.failures)
