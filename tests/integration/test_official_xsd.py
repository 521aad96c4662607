"""``--duis-xsd`` swaps in another DUIS schema: here the official one a supplier holds."""
from __future__ import annotations

import pytest

from tests.conftest import create_fresh_database
from tests.integration.checks import assert_duis_answer, assert_rejected
from tests.integration.harness import start_running_simulator
from tests.paths import DUIS_SCHEMA

OFFICIAL = DUIS_SCHEMA / "DUIS Schema V5.4.xsd"


@pytest.mark.skipif(not OFFICIAL.exists(), reason="the official DUIS XSD is not available in ../shared")
async def test_requests_validated_with_the_official_schema(pg_base_url, tmp_path):
    running = await start_running_simulator(await create_fresh_database(pg_base_url), tmp_path, duis_xsd=OFFICIAL)
    try:
        assert_duis_answer(await running.send_template("8.2_READ_INVENTORY_REQUEST_DUIS.XML"), code="I0")

        def corrupt(root):
            root.find("{*}Body").find("{*}ReadInventory").find("{*}DeviceID").text = "nope"
        answer = await running.send_template("8.2_READ_INVENTORY_REQUEST_DUIS.XML", edit=corrupt)
        assert_rejected(answer, 400, "schema")
    finally:
        await running.close()
