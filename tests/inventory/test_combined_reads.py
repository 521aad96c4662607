"""The inventory reads a device's first contact makes in one statement each: a device with its parties, and a
device's parties with the users holding the DCC's internal roles — the same answers as the separate reads."""
from __future__ import annotations

import asyncpg
import pytest

from dccsim.db.cache import SMKI, Caches
from dccsim.db.migrations import migrate
from dccsim.inventory import repository as repo
from dccsim.inventory.cached import InTransaction, Inventory
from dccsim.inventory.models import Device, DeviceStatus, DeviceType, User, UserRole
from tests.conftest import create_fresh_database

SUPPLIER, OPERATOR, OTHER_SUPPLIER = "90B3D51F30010000", "90B3D51F30020000", "90B3D51F30030000"
RECOVERY_B, RECOVERY_A, WAN = "90B3D51F3F000002", "90B3D51F3F000001", "90B3D51F3F000003"
METER, LONE, UNKNOWN = "0C3D4E0300000001", "0C3D4E0300000002", "0C3D4E03FFFFFFFF"


@pytest.fixture
async def url(pg_base_url):
    return await create_fresh_database(pg_base_url)


@pytest.fixture
async def conn(url):
    conn = await asyncpg.connect(url)
    await migrate(conn)
    users = {SUPPLIER: (UserRole.IMPORT_SUPPLIER,), OPERATOR: (UserRole.ELECTRICITY_DISTRIBUTOR,),
             OTHER_SUPPLIER: (UserRole.IMPORT_SUPPLIER, UserRole.GAS_SUPPLIER), RECOVERY_B: (UserRole.RECOVERY,),
             RECOVERY_A: (UserRole.RECOVERY, UserRole.TRANSITIONAL_COS), WAN: (UserRole.WAN_PROVIDER,)}
    for entity, roles in users.items():
        await repo.upsert_user(conn, User(entity, f"user {entity[-4:]}", roles))
    for device_id in (METER, LONE):
        await repo.upsert_device(conn, Device(device_id, DeviceType.ESME, DeviceStatus.COMMISSIONED))
    await repo.set_party(conn, METER, "IS", SUPPLIER)
    await repo.set_party(conn, METER, "ED", OPERATOR)
    yield conn
    await conn.close()


@pytest.mark.parametrize("device_id", [METER, LONE, UNKNOWN])
async def test_a_device_with_its_parties_is_what_the_two_reads_give(conn, device_id):
    read = await repo.get_device_with_parties(conn, device_id)
    assert read.device == await repo.get_device(conn, device_id)
    assert read.parties == await repo.parties(conn, device_id)
    assert read.parties == ({"IS": SUPPLIER, "ED": OPERATOR} if device_id == METER else {})
    assert read.credentials_stored is (None if device_id == UNKNOWN else False)


@pytest.mark.parametrize("device_id", [METER, LONE])
async def test_a_device_s_parties_come_with_the_first_holder_of_each_internal_role(conn, device_id):
    parties, holders = await repo.parties_and_role_holders(conn, device_id, {"Recovery", "WANProvider", "TCoS", "IS"})
    assert parties == await repo.parties(conn, device_id)
    # The first user by entity id holding each role, as a walk over every user in entity-id order finds it.
    expected: dict[str, str] = {}
    for user in await repo.list_users(conn):
        for role in user.roles:
            if role in {"Recovery", "WANProvider", "TCoS", "IS"}:
                expected.setdefault(role, user.entity_id)
    assert holders == expected == {"Recovery": RECOVERY_A, "TCoS": RECOVERY_A, "WANProvider": WAN, "IS": SUPPLIER}
    assert (await repo.parties_and_role_holders(conn, device_id, ()))[1] == {}


async def test_the_cache_keeps_the_parties_read_with_a_device(conn, url):
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        inventory = Inventory(pool, Caches())
        assert await inventory.device(METER) == await repo.get_device(conn, METER)
        assert inventory._parties.peek(METER) == {"IS": SUPPLIER, "ED": OPERATOR}
        assert await inventory.parties(METER) == {"IS": SUPPLIER, "ED": OPERATOR}
        assert await inventory.device(UNKNOWN) is None and inventory._parties.peek(UNKNOWN) is None
    finally:
        await pool.close()


async def test_whether_a_device_s_credentials_are_stored_comes_with_it_until_the_smki_changes(conn, url):
    sent: list[str] = []

    async def logged(connection):
        connection.add_query_logger(lambda record: "smki_credential" in record.query and sent.append(record.query))

    pool = await asyncpg.create_pool(url, min_size=1, max_size=1, init=logged)
    try:
        caches = Caches()
        inventory = Inventory(pool, caches)
        await inventory.device(METER)
        read = len(sent)
        assert read == 1
        assert await inventory.credentials_stored(METER) is False
        assert len(sent) == read, "answered by the device's read"
        await conn.execute("INSERT INTO smki_credential (entity_id, usage, issuer, serial, cert_pem, is_device) "
                           "VALUES ($1, 'ka', 'CN=test', 1, '-', true)", METER)
        assert await inventory.credentials_stored(METER) is False, "kept until the change is announced"
        caches.changed(SMKI)
        assert await inventory.credentials_stored(METER) is True
        assert len(sent) == read + 1
        assert await inventory.credentials_stored(LONE) is False and len(sent) == read + 2
    finally:
        await pool.close()


@pytest.mark.parametrize("device_id", [METER, LONE])
async def test_the_cache_gives_a_device_s_parties_and_role_holders_as_a_transaction_reads_them(conn, url, device_id):
    roles = frozenset({"Recovery", "WANProvider", "TCoS"})
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        inventory = Inventory(pool, Caches())
        await inventory.device(device_id)
        assert await inventory.parties_and_role_holders(device_id, roles) == \
            await InTransaction(conn).parties_and_role_holders(device_id, roles)
        assert await repo.role_holders(conn, ()) == {}
    finally:
        await pool.close()
