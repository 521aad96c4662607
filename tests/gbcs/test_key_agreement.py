"""ECDH between two parties: either end derives the same key, the secret is computed once for the pair when one
process holds both ends, and a third key pair never gets it."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

from gbcs import security

INFO = security.other_info(bytes.fromhex("90B3D51F30010000"), "command", bytes(8), bytes.fromhex("00DB1234567890A0"))


def test_both_ends_of_a_link_derive_one_key_and_the_secret_is_computed_once():
    security.clear_caches()
    a, b, c = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    key = security.derive_key(a, b.public_key(), INFO)
    assert len(security._secrets) == 1
    assert security.derive_key(b, a.public_key(), INFO) == key
    assert len(security._secrets) == 1, "the other end's secret is the one already computed"
    assert security.derive_key(c, b.public_key(), INFO) != key and len(security._secrets) == 2
    expected = a.exchange(ec.ECDH(), b.public_key())
    security.clear_caches()
    assert security.derive_key(b, a.public_key(), INFO) == key
    assert security._shared_secret(a, b.public_key(), security._own_point(b)) == expected


def test_a_secret_kept_is_found_only_with_a_private_key_of_the_pair():
    security.clear_caches()
    a, b = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    security.derive_key(a, b.public_key(), INFO)
    impostor = ec.generate_private_key(ec.SECP256R1())
    assert security.derive_key(impostor, a.public_key(), INFO) != security.derive_key(b, a.public_key(), INFO)
