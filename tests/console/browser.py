"""Headless Chromium for the console's browser tests: Debian's ``chromium`` driven by Playwright, never a browser
Playwright downloads itself; tests are skipped, with the reason, where neither is installed."""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DCCSIM_CHROMIUM", "/usr/bin/chromium")
# Without these Chromium reaches for the network (updates, sync, field trials) and a GPU.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


def skip_reason() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and shutil.which("chromium") is None:
        return f"no Chromium at {CHROMIUM} (make test installs Debian's chromium where apt-get runs as root)"
    return None


def executable() -> str:
    return CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")


def profile_dir() -> str:
    """A fresh user-data directory, so Chromium starts with nothing of a previous run."""
    return tempfile.mkdtemp(prefix="dccsim-chromium-")


def screenshot_path(test_name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS / f"{test_name.replace('/', '_').replace('[', '_').replace(']', '')}.png"


skip_without_browser = pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or "")
