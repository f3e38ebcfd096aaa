"""Field encryption round trip, and that the database never holds a plain ID number or phone."""

import pytest
from django.db import connection

from doorstep.core.crypto import blind_index, decrypt, encrypt
from doorstep.registry.models import Resident


def test_encrypt_round_trip_and_random_nonce():
    a, b = encrypt("43032119800215003X"), encrypt("43032119800215003X")
    assert a != b
    assert decrypt(a) == decrypt(b) == "43032119800215003X"


def test_tampered_ciphertext_fails():
    blob = bytearray(encrypt("13812345678"))
    blob[-1] ^= 1
    with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
        decrypt(bytes(blob))


def test_blind_index_is_stable_and_separates_kinds():
    assert blind_index("id", "x") == blind_index("id", "x")
    assert blind_index("id", "x") != blind_index("phone", "x")
    assert len(blind_index("id", "x")) == 32


@pytest.mark.django_db
def test_database_never_holds_plain_id_numbers_or_phones():
    # Residents with an account are left out: a resident's login name is their phone number (accounts.services.
    # user_create_resident), a known gap named in docs/decisions.md ("Resident login names"), not a registry column.
    sample = list(Resident.objects.exclude(phone_enc=None).filter(account__isnull=True).order_by("id")[:50])
    secrets = [decrypt(r.id_number_enc) for r in sample] + [decrypt(r.phone_enc) for r in sample]
    table = Resident._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        rows = cur.fetchall()
    dump = "\n".join(
        (bytes(v).hex() + bytes(v).decode("latin-1")) if isinstance(v, bytes | memoryview) else str(v)
        for row in rows for v in row
    )
    for secret in secrets:
        assert secret not in dump
    if connection.vendor == "sqlite":
        raw = open(connection.settings_dict["NAME"], "rb").read()
        for secret in secrets:
            assert secret.encode() not in raw
