"""``compose.yaml`` (Docker is not needed to read it): PostgreSQL as the one stateful part, simulator hosts that
can be scaled (``docker compose up --scale dccsim=3``) on one ``DCCSIM_DATABASE_URL``, and a load balancer
whose upstreams are those hosts' ports, the ports ``dccsim serve`` listens on."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from dccsim.runtime import settings
from dccsim.runtime.settings import ADMIN_PORT, DUIS_PORT, REPO_ROOT, SMKI_PORT, Settings

COMPOSE = yaml.safe_load((REPO_ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]


def test_the_services_are_postgres_the_simulator_and_a_load_balancer():
    assert set(SERVICES) == {"postgres", "dccsim", "loadbalancer"}
    assert set(COMPOSE["volumes"]) == {"pgdata"}, "nothing but PostgreSQL keeps state"
    assert "volumes" in SERVICES["postgres"]


def test_every_host_uses_the_one_database_and_can_be_scaled():
    dccsim = SERVICES["dccsim"]
    url = dccsim["environment"]["DCCSIM_DATABASE_URL"]
    postgres = SERVICES["postgres"]["environment"]
    assert url == (f"postgresql://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}@postgres:5432/"
                   f"{postgres['POSTGRES_DB']}")
    source = (REPO_ROOT / "dccsim" / "runtime" / "settings.py").read_text()
    for name in dccsim["environment"]:
        assert f'"{name}"' in source, f"{name} is not read by the simulator's settings"
    assert "ports" not in dccsim, "replicas cannot share a published host port"
    assert dccsim["volumes"] == [f"./keys:{Settings(data_dir=Path(dccsim['environment']['DCCSIM_DATA_DIR'])).keys_dir}"], \
        "no state of a host's own: only the keys it exports, to the host's ./keys"
    assert dccsim["depends_on"]["postgres"]["condition"] == "service_healthy"
    command = dccsim["command"]
    assert command[:2] == ["dccsim", "serve"]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--admin-host") + 1] == "0.0.0.0"
    assert f":{ADMIN_PORT}/admin/health" in " ".join(dccsim["healthcheck"]["test"])


def test_the_load_balancer_forwards_each_published_port_to_the_hosts():
    balancer = SERVICES["loadbalancer"]
    assert balancer["depends_on"]["dccsim"]["condition"] == "service_healthy"
    (config,) = balancer["configs"]
    text = COMPOSE["configs"][config["source"]]["content"]
    upstreams = dict(re.findall(r"upstream (\w+)\s*\{\s*server dccsim:(\d+);", text))
    assert {name: int(port) for name, port in upstreams.items()} == {
        "duis": DUIS_PORT, "smki": SMKI_PORT, "admin": ADMIN_PORT}
    listened = dict(re.findall(r"listen (\d+);\s*location / \{ proxy_pass http://(\w+);", text))
    assert {int(port): name for port, name in listened.items()} == {
        DUIS_PORT: "duis", SMKI_PORT: "smki", ADMIN_PORT: "admin"}
    assert balancer["ports"] == [f"{DUIS_PORT}:{DUIS_PORT}", f"{SMKI_PORT}:{SMKI_PORT}",
                                 f"127.0.0.1:{ADMIN_PORT}:{ADMIN_PORT}"], "the admin API stays on the loopback"
    assert text.count("{") == text.count("}")
    assert settings.Settings().max_request_bytes <= 4 * 1024 * 1024, "the balancer's body limit lets DUIS answer"
