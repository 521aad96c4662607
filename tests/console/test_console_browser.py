"""The training console driven in headless Chromium: a Service Request sent from the Send panel and its whole
flow on screen, with the decoded GBCS response; the ESME's panel; a device taken offline giving E21; an alert
opened from the Inbox."""
from __future__ import annotations

import re

from dccsim.duis.outcomes import E21, I0, I99
from tests.console.browser import skip_without_browser

pytestmark = [skip_without_browser]

SUPPLIER = "90B3D51F30010000"
NETWORK_OPERATOR = "90B3D51F30020000"
ESME = "00DB1234567890A0"


async def _send_from_panel(page, variant: str, device: str, values: dict[str, str] | None = None) -> tuple[str, str]:
    """Fill the Send panel (``values``: field path to text) and send; the RequestID and code of the answer."""
    await page.click('.tab[data-tab="send"]')
    await page.wait_for_selector(f'#send-variant option[value="{variant}"]', state="attached")
    await page.select_option("#send-user", SUPPLIER)
    await page.select_option("#send-variant", variant)
    await page.select_option("#send-device", device)
    for path, text in (values or {}).items():
        field = page.locator(f'#send-fields [data-path="{path}"]')
        await field.wait_for()
        await field.fill(text)
    await page.click("#send-button")
    answer = page.locator("#send-answer")
    await answer.wait_for()
    await page.wait_for_function("!document.querySelector('#send-answer').textContent.includes('sending')")
    text = await answer.text_content()
    match = re.match(r"(\S+): HTTP 200 (\S+)", text)
    assert match, text
    return match.group(1), match.group(2)


async def test_a_request_sent_from_the_console_appears_with_its_decoded_response(console):
    page = console
    request_id, code = await _send_from_panel(page, "4.1.1", ESME)
    assert code == I99
    await page.click('.tab[data-tab="flow"]')
    sequence = page.locator(f'.sequence[data-request="{request_id}"]')
    for kind in ("request", "response", "gbcs-command", "gbcs-response"):
        await sequence.locator(f'.arrow[data-kind="{kind}"]').first.wait_for()
    response = sequence.locator(f'.arrow[data-source="outbox"][data-kind="response"][data-code="{I0}"]')
    await response.wait_for()
    await sequence.locator('.arrow[data-kind="gbcs-response"]').click()
    await page.locator("#detail .use-case", has_text="ECS17b").wait_for()
    fields = await page.locator("#payload-fields").text_content()
    assert fields.strip(), "the ECS17b response shows its payload's named fields"
    assert await page.locator("#detail .verdict.verified").count() >= 1, "the MAC is checked with the DCC's keys"
    await response.click()
    await page.locator("#detail-outcome", has_text=I0).wait_for()
    assert "<sr:" in await page.locator("#detail pre.xml").text_content() or \
        "Response" in await page.locator("#detail pre.xml").text_content()
    assert await page.locator("#detail details.signature").count() == 1, "the XML signature is folded away"

    await page.click('.tab[data-tab="devices"]')
    await page.click(f'.device-button[data-device="{ESME}"]')
    registers = page.locator("#panel-registers")
    await registers.wait_for()
    assert "active_import_wh" in await registers.text_content()


async def test_a_critical_request_takes_the_transform_route_and_the_open_panel_follows(console):
    page = console
    await page.click('.tab[data-tab="devices"]')
    await page.click(f'.device-button[data-device="{ESME}"]')
    assert "1234" not in await page.locator("#panel-tariff").text_content()
    request_id, code = await _send_from_panel(page, "1.1.1", ESME,
                                              {"PriceElements/ElectricityPriceElements/StandingCharge": "1234"})
    assert code == I99
    assert "transform route" in await page.locator("#send-answer").text_content()
    await page.click('.tab[data-tab="devices"]')
    await page.locator("#panel-tariff", has_text="1234").wait_for()
    await page.click('.tab[data-tab="flow"]')
    sequence = page.locator(f'.sequence[data-request="{request_id}"]')
    await sequence.locator(f'.arrow[data-source="outbox"][data-code="{I0}"]').wait_for()
    assert await sequence.locator('.arrow[data-kind="request"]').count() == 2, "the transform request and CV 5"


async def test_filters_and_the_paused_flow(console):
    page = console
    await page.locator(".sequence").first.wait_for()
    await page.fill("#filter-device", "00-DB-12-34-56-78-90-A1")
    await page.wait_for_function("[...document.querySelectorAll('.sequence')].every(s => s.hidden)")
    await page.click("#filter-clear")
    await page.click("#live")
    shown = await page.locator(".sequence").count()
    request_id, _ = await _send_from_panel(page, "4.1.1", ESME)
    await page.click('.tab[data-tab="flow"]')
    await page.wait_for_timeout(500)
    assert await page.locator(f'.sequence[data-request="{request_id}"]').count() == 0, "paused: held back"
    await page.click("#live")
    await page.locator(f'.sequence[data-request="{request_id}"]').wait_for()
    assert await page.locator(".sequence").count() == shown + 1


async def test_a_device_taken_offline_answers_e21(console, running):
    page = console
    await page.click('.tab[data-tab="devices"]')
    await page.click(f'.device-button[data-device="{ESME}"]')
    await page.click("#fault-offline")
    await page.locator("#panel-title", has_text="OFFLINE").wait_for()
    try:
        request_id, code = await _send_from_panel(page, "4.1.1", ESME)
        assert code == I99
        await page.click('.tab[data-tab="flow"]')
        sequence = page.locator(f'.sequence[data-request="{request_id}"]')
        e21 = sequence.locator(f'.arrow[data-source="outbox"][data-code="{E21}"]')
        await e21.wait_for()
        await e21.click()
        await page.locator("#detail-outcome", has_text=E21).wait_for()
    finally:
        await running.sim.db.pool.execute("UPDATE device_fault SET offline = false WHERE device_id = $1", ESME)


async def test_an_alert_for_a_user_without_an_endpoint_opens_from_the_inbox(console, running):
    page = console
    send = f"{running.admin_url}/console/api/send"
    async with running.session.post(send, json={"user": SUPPLIER, "variant": "8.4", "device": ESME,
                                                "values": {"UpdateDeviceDetails/FirmwareVersion": "00000002"}}) as r:
        answer = await r.json()
        assert answer.get("code") in (I0, I99), answer
    async with running.session.post(send, json={"user": NETWORK_OPERATOR, "variant": "11.2", "device": ESME}) as r:
        assert (await r.json())["code"] == I99
    await page.click('.tab[data-tab="inbox"]')
    alert = page.locator('#inbox tr[data-kind="dcc-alert"][data-code="N49"]').first
    await alert.wait_for()
    await alert.click()
    await page.locator("#detail pre.xml", has_text="N49").wait_for()
