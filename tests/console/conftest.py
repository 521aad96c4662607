"""Console test fixtures: a running simulator on the simulated clock, and one headless Chromium per module whose
pages leave a screenshot under tests/artefacts when their test fails."""
from __future__ import annotations

import pytest

from dccsim.timing.clock import ClockMode
from tests.conftest import create_fresh_database
from tests.console.browser import CHROMIUM_ARGS, executable, profile_dir, screenshot_path, skip_reason
from tests.integration.harness import start_running_simulator


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="module")
async def running(pg_base_url, tmp_path_factory):
    url = await create_fresh_database(pg_base_url)
    running = await start_running_simulator(url, tmp_path_factory.mktemp("dccsim"), clock=ClockMode.SIMULATED,
                                            device_timeout=1.0)
    yield running
    await running.close()


@pytest.fixture(scope="module")
async def chromium():
    reason = skip_reason()
    if reason is not None:
        pytest.skip(reason)
    from_playwright = pytest.importorskip("playwright.async_api")
    async with from_playwright.async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            profile_dir(), executable_path=executable(), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900})
        yield context
        await context.close()


@pytest.fixture
async def console(request, chromium, running):
    """A page with the console open; a screenshot of it is kept when the test fails."""
    page = await chromium.new_page()
    page.set_default_timeout(15_000)
    await page.goto(f"{running.admin_url}/console/")
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        await page.screenshot(path=str(screenshot_path(request.node.name)), full_page=True)
    await page.close()
