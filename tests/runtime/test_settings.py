"""Settings: what is given explicitly wins; the environment only fills in what was left out."""
from __future__ import annotations

import pytest

from dccsim.cli.main import _settings, build_parser
from dccsim.han.throttle_rules import ThrottlePolicy
from dccsim.runtime.settings import Settings


def test_an_explicit_setting_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("DCCSIM_DEVICE_TIMEOUT", "3")
    monkeypatch.setenv("DCCSIM_SYSTEM_CAPACITY", "250")
    assert Settings().device_timeout == 3.0 and Settings().system_capacity_rps == 250.0
    assert Settings(device_timeout=12).device_timeout == 12
    assert Settings(system_capacity_rps=None).system_capacity_rps is None


def test_without_the_environment_the_defaults_apply(monkeypatch):
    monkeypatch.delenv("DCCSIM_DEVICE_TIMEOUT", raising=False)
    monkeypatch.delenv("DCCSIM_SYSTEM_CAPACITY", raising=False)
    assert Settings().device_timeout == 10.0 and Settings().system_capacity_rps is None


def test_the_smki_repository_listens_where_dcc_boxed_clients_look_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("DCCSIM_SMKI_PORT", raising=False)
    assert Settings().smki_port == 8083
    assert _settings(build_parser().parse_args(["serve", "--smki-port", "9183"])).smki_port == 9183
    monkeypatch.setenv("DCCSIM_SMKI_PORT", "18083")
    assert Settings().smki_port == 18083 and Settings(smki_port=9083).smki_port == 9083
    assert _settings(build_parser().parse_args(["serve"])).smki_port == 18083
    assert _settings(build_parser().parse_args(["serve", "--smki-port", "9183"])).smki_port == 9183


def test_the_alert_throttle_comes_from_the_flag_the_environment_or_the_default(monkeypatch, capsys):
    monkeypatch.delenv("DCCSIM_ALERT_THROTTLE", raising=False)
    assert Settings().throttle_policy() == ThrottlePolicy(50, 60.0)
    monkeypatch.setenv("DCCSIM_ALERT_THROTTLE", "10/30")
    assert Settings().throttle_policy() == ThrottlePolicy(10, 30.0)
    flagged = _settings(build_parser().parse_args(["serve", "--alert-throttle", "200/5"]))
    assert flagged.throttle_policy() == ThrottlePolicy(200, 5.0)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--alert-throttle", "lots"])
    assert "COUNT >= 1 and SECONDS > 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="COUNT/SECONDS"):
        Settings(alert_throttle="0/60").check()
