"""Run-time settings of the simulator, from command-line flags and ``DCCSIM_*`` environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, TypeVar

from dccsim.han.throttle_rules import DEFAULT_POLICY_TEXT, ThrottlePolicy
from dccsim.timing.clock import ClockMode

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS_DIR = Path(os.environ.get("DCCSIM_SCHEMAS_DIR", REPO_ROOT / "schemas"))
SCENARIOS_DIR = REPO_ROOT / "scenarios"
DEFAULT_DUIS_XSD = SCHEMAS_DIR / "duis" / "dccsim-duis.xsd"

T = TypeVar("T")

DUIS_PORT = 8079
ADMIN_PORT = 8080
SMKI_PORT = 8083      # DCC Boxed's SMKI repository service


def default_data_dir() -> Path:
    """The per-user data directory: ``$DCCSIM_DATA_DIR`` or ``$XDG_DATA_HOME/dccsim``."""
    env = os.environ.get("DCCSIM_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dccsim"


def _from_environment(name: str, default: T, parse: Callable[[str], T] = float) -> Callable[[], T]:
    """A default read from ``$name`` when the setting is not given explicitly (an explicit value wins)."""
    def read() -> T:
        text = os.environ.get(name)
        return parse(text) if text else default
    return read


@dataclass
class Settings:
    """Everything a running simulator needs to know about its environment. A value given to the constructor
    is used as given; one left out comes from its ``DCCSIM_*`` environment variable, else its default."""

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = field(default_factory=lambda: os.environ.get("DCCSIM_DATABASE_URL") or None)
    host: str = "127.0.0.1"
    port: int = DUIS_PORT
    admin_host: str = "127.0.0.1"      # the admin API stays local even when DUIS listens on 0.0.0.0
    admin_port: int = ADMIN_PORT
    # The SMKI repository service (dccsim.smki.service), on ``host`` like DUIS.
    smki_port: int = field(default_factory=_from_environment("DCCSIM_SMKI_PORT", SMKI_PORT, int))
    duis_xsd: Path = DEFAULT_DUIS_XSD
    strict_validity: bool = False
    max_request_bytes: int = 2 * 1024 * 1024
    release_profile: str = "duis-4.0"
    workers: int = 1
    delivery_timeout: float = field(default_factory=_from_environment("DCCSIM_DELIVERY_TIMEOUT", 10.0))
    delivery_give_up_after: float = field(
        default_factory=_from_environment("DCCSIM_DELIVERY_GIVE_UP_AFTER", 24 * 3600.0))
    delivery_lease: float = field(default_factory=_from_environment("DCCSIM_DELIVERY_LEASE", 30.0))
    delivery_base_delay: float = field(default_factory=_from_environment("DCCSIM_DELIVERY_BASE_DELAY", 0.5))
    # Seconds the DCC waits for a device before E20 / E21.
    device_timeout: float = field(default_factory=_from_environment("DCCSIM_DEVICE_TIMEOUT", 10.0))
    # A claimed device job runs again (crash recovery) after this long.
    device_job_lease: float = field(default_factory=_from_environment("DCCSIM_DEVICE_JOB_LEASE", 60.0))
    # SECMP0067: the DCC System's capacity in requests/s across all users. Traffic management acts only
    # while the total exceeds it; None means always (every user is held to its allocation).
    system_capacity_rps: float | None = field(default_factory=_from_environment("DCCSIM_SYSTEM_CAPACITY", None))
    # Issue Pre-Commands ending in an empty signature-length byte 0x00 (as some DCC test systems do) for
    # clients that replace it; by default they end before it and clients append 0x40 and the signature.
    precommand_empty_signature_byte: bool = False
    # The one clock (dccsim.timing.clock): real time, or simulated time that stands still until it is moved
    # (dccsim clock advance, POST /admin/clock/advance) and starts at ``clock_start`` (default: where it
    # stood, else now).
    clock: ClockMode = ClockMode.WALL
    clock_start: datetime | None = None
    # SECMP0062: COUNT/SECONDS, more than COUNT alerts of one code from one device within SECONDS are throttled
    # (dccsim.han.throttle_rules; the default is the project's own choice).
    alert_throttle: str = field(default_factory=_from_environment("DCCSIM_ALERT_THROTTLE", DEFAULT_POLICY_TEXT, str))

    def check(self) -> None:
        """Reject settings that would break a guarantee (raised before anything starts)."""
        self.throttle_policy()
        if self.delivery_lease <= self.delivery_timeout:
            raise ValueError(f"the delivery lease ({self.delivery_lease:g} s) must be longer than the POST timeout "
                             f"({self.delivery_timeout:g} s), or a slow delivery would be sent twice")
        if self.device_job_lease <= self.device_timeout:
            raise ValueError(f"the device job lease ({self.device_job_lease:g} s) must be longer than the device "
                             f"timeout ({self.device_timeout:g} s), or a slow device job would run twice")

    def throttle_policy(self) -> ThrottlePolicy:
        """The alert throttle as a policy (a ValueError saying what is expected when it is not one)."""
        return ThrottlePolicy.parse(self.alert_throttle)

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"
