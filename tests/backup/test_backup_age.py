"""The age format: what the appliance writes, Debian's `age` reads, and the
other way round; every flipped byte and every cut is caught."""

from __future__ import annotations

import io
import os

import pytest
from backup_support import LIGHT_LOG_N, PASSPHRASE, age_at_a_terminal, make_keys, tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backup import age

SIZES = [0, 1, age.CHUNK - 1, age.CHUNK, age.CHUNK + 1, 3 * age.CHUNK, 3 * age.CHUNK + 7]


def encrypt(data: bytes, recipient: age.Recipient) -> bytes:
    out = io.BytesIO()
    writer, _key = age.Encryptor.to(out, recipient)
    for start in range(0, len(data), 10_000):  # written in pieces, as tar does
        writer.write(data[start:start + 10_000])
    writer.close()
    return out.getvalue()


def decrypt(sealed: bytes, identity: age.Identity) -> bytes:
    source = io.BytesIO(sealed)
    header = age.read_header(source)
    file_key = age.unwrap_file_key(header, [identity])
    return age.Decryptor(source, file_key, header.size).read_all()


@pytest.fixture(scope="module")
def identity() -> age.Identity:
    return age.Identity.generate()


@pytest.fixture
def identity_file(tmp_path, identity):
    path = tmp_path / "identity.txt"
    path.write_text(identity.file_text(), encoding="ascii")
    return path


@pytest.mark.parametrize("size", SIZES)
def test_debian_age_decrypts_what_we_encrypt(size, identity, identity_file, tmp_path):
    data = os.urandom(size)
    sealed = tmp_path / "file.age"
    sealed.write_bytes(encrypt(data, identity.recipient))
    assert len(sealed.read_bytes()) - age.read_header(io.BytesIO(
        sealed.read_bytes())).size == age.payload_size(size)
    result = tool("age", "-d", "-i", str(identity_file), str(sealed))
    assert result.stdout == data


@pytest.mark.parametrize("size", SIZES)
def test_we_decrypt_what_debian_age_encrypts(size, identity, tmp_path):
    data = os.urandom(size)
    (tmp_path / "plain").write_bytes(data)
    tool("age", "-r", str(identity.recipient), "-o", str(tmp_path / "file.age"),
         str(tmp_path / "plain"))
    assert decrypt((tmp_path / "file.age").read_bytes(), identity) == data


def test_keys_match_age_keygen(tmp_path):
    made = tool("age-keygen", "-o", str(tmp_path / "k.txt"))
    assert made.returncode == 0
    text = (tmp_path / "k.txt").read_text(encoding="ascii")
    [identity] = age.identities_in(text)
    public = tool("age-keygen", "-y", str(tmp_path / "k.txt")).stdout.decode().strip()
    assert str(identity.recipient) == public
    assert str(identity) in text  # the same text round trip
    assert str(age.Recipient.parse(public)) == public


def test_debian_age_opens_our_passphrase_protected_key(tmp_path):
    pair = make_keys(tmp_path / "keys")
    plain = tmp_path / "plain"
    plain.write_bytes(b"a night's backup")
    sealed = encrypt(plain.read_bytes(), pair.recipient)
    (tmp_path / "file.age").write_bytes(sealed)
    assert pair.private.read_text().startswith(age.ARMOR_BEGIN)
    code, shown = age_at_a_terminal(
        ["age", "-d", "-i", str(pair.private), "-o", str(tmp_path / "out"),
         str(tmp_path / "file.age")], PASSPHRASE)
    assert code == 0, shown
    assert "passphrase" in shown.lower()
    assert (tmp_path / "out").read_bytes() == b"a night's backup"


def test_we_open_a_key_made_by_age_keygen_and_age_p(tmp_path):
    """The IT Center may make its key with Debian's tools alone."""
    tool("age-keygen", "-o", str(tmp_path / "k.txt"))
    code, shown = age_at_a_terminal(
        ["age", "-p", "-a", "-o", str(tmp_path / "k.age"), str(tmp_path / "k.txt")],
        PASSPHRASE)
    assert code == 0, shown
    [identity] = age.open_key_file((tmp_path / "k.age").read_bytes(), lambda: PASSPHRASE)
    assert str(identity) in (tmp_path / "k.txt").read_text()
    with pytest.raises(age.WrongPassphrase):
        age.open_key_file((tmp_path / "k.age").read_bytes(), lambda: "not it at all")


def test_passphrase_files_round_trip_and_refuse_a_wrong_passphrase():
    sealed = age.encrypt_with_passphrase(b"secret", PASSPHRASE, LIGHT_LOG_N)
    assert age.decrypt_with_passphrase(sealed, PASSPHRASE) == b"secret"
    assert age.decrypt_with_passphrase(age.dearmor(age.armor(sealed).encode()),
                                       PASSPHRASE) == b"secret"
    with pytest.raises(age.WrongPassphrase):
        age.decrypt_with_passphrase(sealed, PASSPHRASE + "!")


def test_a_hostile_work_factor_is_refused():
    stanza = age.scrypt_stanza(PASSPHRASE, bytes(16), LIGHT_LOG_N)
    hostile = age.Stanza("scrypt", (stanza.args[0], "40"), stanza.body)
    header = age.write_header(bytes(16), [hostile])
    with pytest.raises(age.AgeError, match="work factor"):
        age.decrypt_with_passphrase(header + bytes(32), PASSPHRASE)


def test_the_wrong_key_is_told_apart(identity):
    sealed = encrypt(b"data", identity.recipient)
    with pytest.raises(age.NoMatchingKey):
        decrypt(sealed, age.Identity.generate())


@pytest.fixture(scope="module")
def sealed_sample(identity) -> tuple[bytes, bytes]:
    data = os.urandom(2 * age.CHUNK + 500)
    return data, encrypt(data, identity.recipient)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_a_flipped_bit_anywhere_is_an_age_error(position, bit, sealed_sample, identity):
    data, sealed = sealed_sample
    damaged = bytearray(sealed)
    damaged[position % len(sealed)] ^= 1 << bit
    with pytest.raises(age.AgeError):
        decrypt(bytes(damaged), identity)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(min_value=0))
def test_a_cut_anywhere_is_an_age_error(length, sealed_sample, identity):
    _data, sealed = sealed_sample
    with pytest.raises(age.AgeError):
        decrypt(sealed[:length % len(sealed)], identity)


def test_a_cut_at_a_chunk_boundary_says_so(sealed_sample, identity):
    _data, sealed = sealed_sample
    header = age.read_header(io.BytesIO(sealed))
    cut = header.size + age.NONCE_SIZE + age.SEALED_CHUNK
    with pytest.raises(age.Truncated, match="before its last chunk"):
        decrypt(sealed[:cut], identity)
    with pytest.raises(age.Truncated):
        age.check_payload_size(cut + 10, header.size)  # a last chunk of 10 bytes


class _FullAfter:
    """A sink that takes `room` bytes and then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(28, "No space left on device")
        self.room -= len(data)
        return len(data)


def test_a_sink_that_fails_keeps_its_own_error(identity):
    writer, _key = age.Encryptor.to(_FullAfter(2 * age.CHUNK), identity.recipient)
    with pytest.raises(OSError, match="No space left") as caught:
        writer.write(os.urandom(5 * age.CHUNK))
    # The streams above it flush while the error unwinds (caught still holds
    # its traceback): that must neither raise BufferError nor reach the sink.
    assert writer.write(os.urandom(3 * age.CHUNK)) == 3 * age.CHUNK
    writer.flush()
    with pytest.raises(OSError) as again:
        writer.close()  # never a file that looks finished
    assert again.value is caught.value
