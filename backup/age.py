"""The age file format (age-encryption.org/v1) on the cryptography package.

Backups are encrypted to an X25519 recipient (`age1...`). The private key
file is itself an age file, encrypted with a passphrase through scrypt, the
way `age-keygen | age -p -a` makes one. Debian's `age` opens both, so a backup
can be read without the appliance.

The payload is age's STREAM: ChaCha20-Poly1305 over 64 KiB chunks, each with
its own tag and the last one marked, so memory stays flat whatever the size,
a flipped byte is found in the chunk that holds it and a cut-off end is
noticed. The header carries an HMAC over the recipient stanzas.

Specification: https://age-encryption.org/v1
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import BinaryIO, Protocol

from bech32 import bech32_decode, bech32_encode, convertbits
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from appliance.errors import UserError

VERSION_LINE = b"age-encryption.org/v1"
CHUNK = 64 * 1024
TAG = 16
SEALED_CHUNK = CHUNK + TAG
NONCE_SIZE = 16
FILE_KEY_SIZE = 16
# age's own default: about a second and 256 MiB on a modest machine.
SCRYPT_LOG_N = 18
# Refuse more when decrypting, as age does: a hostile file could ask for
# gigabytes of memory.
SCRYPT_MAX_LOG_N = 22
MAX_HEADER = 64 * 1024
ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = "-----END AGE ENCRYPTED FILE-----"

_X25519_INFO = b"age-encryption.org/v1/X25519"
_SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
_ZERO_NONCE = bytes(12)
_ARG = re.compile(rb"^[\x21-\x7e]+$")
_B64_CHARS = re.compile(rb"^[A-Za-z0-9+/]*$")


# -- errors ---------------------------------------------------------------------

class AgeError(UserError):
    """The file is not what it should be; the message says how."""


class NotAgeFile(AgeError):
    pass


class HeaderDamaged(AgeError):
    pass


class ChunkDamaged(AgeError):
    def __init__(self, index: int, offset: int) -> None:
        super().__init__(
            f"damaged: chunk {index + 1} (from byte {offset:,}) fails its "
            "authentication check")
        self.index = index
        self.offset = offset


class Truncated(AgeError):
    pass


class NoMatchingKey(AgeError):
    pass


class WrongPassphrase(AgeError):
    pass


# -- encodings ------------------------------------------------------------------

def b64encode(data: bytes) -> bytes:
    """age's base64: standard alphabet, no padding."""
    return base64.b64encode(data).rstrip(b"=")


def b64decode(text: bytes) -> bytes:
    """Strict: no padding, no stray characters, canonical last bits."""
    if not _B64_CHARS.match(text) or len(text) % 4 == 1:
        raise ValueError("not canonical base64")
    data = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    if b64encode(data) != text:
        raise ValueError("not canonical base64")
    return data


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def _bech32(hrp: str, data: bytes) -> str:
    return bech32_encode(hrp, convertbits(data, 8, 5))


def _unbech32(hrp: str, text: str) -> bytes | None:
    got, words = bech32_decode(text)
    if got != hrp or words is None:
        return None
    data = convertbits(words, 5, 8, False)
    return bytes(data) if data is not None and len(data) == 32 else None


# -- keys -----------------------------------------------------------------------

@dataclass(frozen=True)
class Stanza:
    type: str
    args: tuple[str, ...]
    body: bytes

    def encode(self) -> bytes:
        line = b"-> " + " ".join((self.type, *self.args)).encode("ascii") + b"\n"
        text = b64encode(self.body)
        lines = [text[i:i + 64] for i in range(0, len(text), 64)]
        if not lines or len(lines[-1]) == 64:
            lines.append(b"")  # the last line of a body is always short
        return line + b"".join(part + b"\n" for part in lines)


class Recipient:
    """A public key, `age1...`: whoever holds its identity can decrypt."""

    def __init__(self, public: bytes) -> None:
        self.public = public

    @classmethod
    def parse(cls, text: str) -> Recipient:
        public = _unbech32("age", text.strip())
        if public is None or not text.strip().startswith("age1"):
            raise AgeError(f"{text.strip()[:80]!r} is not an age public key (age1...)")
        return cls(public)

    def __str__(self) -> str:
        return _bech32("age", self.public)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Recipient) and other.public == self.public

    def __hash__(self) -> int:
        return hash(self.public)

    def wrap(self, file_key: bytes) -> Stanza:
        ephemeral = X25519PrivateKey.generate()
        share = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self.public))
        wrap_key = _hkdf(shared, share + self.public, _X25519_INFO)
        body = ChaCha20Poly1305(wrap_key).encrypt(_ZERO_NONCE, file_key, None)
        return Stanza("X25519", (b64encode(share).decode("ascii"),), body)


class Identity:
    """A private key, `AGE-SECRET-KEY-1...`."""

    def __init__(self, private: X25519PrivateKey) -> None:
        self._private = private

    @classmethod
    def generate(cls) -> Identity:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def parse(cls, text: str) -> Identity:
        raw = _unbech32("age-secret-key-", text.strip())
        if raw is None:
            raise AgeError("not an age private key (AGE-SECRET-KEY-1...)")
        return cls(X25519PrivateKey.from_private_bytes(raw))

    def __str__(self) -> str:
        raw = self._private.private_bytes_raw()
        return _bech32("age-secret-key-", raw).upper()

    @property
    def recipient(self) -> Recipient:
        return Recipient(self._private.public_key().public_bytes(Encoding.Raw,
                                                                  PublicFormat.Raw))

    def unwrap(self, stanza: Stanza) -> bytes | None:
        """The file key, if this stanza was made for this identity."""
        if stanza.type != "X25519":
            return None
        if len(stanza.args) != 1 or len(stanza.body) != FILE_KEY_SIZE + TAG:
            raise HeaderDamaged("damaged: an X25519 stanza has the wrong shape")
        try:
            share = b64decode(stanza.args[0].encode("ascii"))
            peer = X25519PublicKey.from_public_bytes(share)
            shared = self._private.exchange(peer)
        except ValueError:
            raise HeaderDamaged("damaged: an X25519 stanza holds no valid key") from None
        mine = self.recipient.public
        wrap_key = _hkdf(shared, share + mine, _X25519_INFO)
        try:
            return ChaCha20Poly1305(wrap_key).decrypt(_ZERO_NONCE, stanza.body, None)
        except InvalidTag:
            return None

    def file_text(self) -> str:
        """The identity file as age-keygen writes it."""
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"# created: {created}\n# public key: {self.recipient}\n"
                f"{self}\n")


def identities_in(text: str) -> list[Identity]:
    """The identities in an identity file (comments and blank lines skipped)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            found.append(Identity.parse(line))
    if not found:
        raise AgeError("holds no age private key")
    return found


# -- passphrases (scrypt) ---------------------------------------------------------

def _scrypt_key(passphrase: str, salt: bytes, log_n: int) -> bytes:
    return Scrypt(salt=_SCRYPT_LABEL + salt, length=32, n=1 << log_n, r=8,
                  p=1).derive(passphrase.encode("utf-8"))


def scrypt_stanza(passphrase: str, file_key: bytes, log_n: int = SCRYPT_LOG_N) -> Stanza:
    salt = os.urandom(16)
    body = ChaCha20Poly1305(_scrypt_key(passphrase, salt, log_n)).encrypt(
        _ZERO_NONCE, file_key, None)
    return Stanza("scrypt", (b64encode(salt).decode("ascii"), str(log_n)), body)


def _scrypt_unwrap(stanzas: list[Stanza], passphrase: str) -> bytes:
    if len(stanzas) != 1:
        raise HeaderDamaged("damaged: a passphrase file must have one stanza")
    stanza = stanzas[0]
    try:
        salt_text, log_n_text = stanza.args
        salt = b64decode(salt_text.encode("ascii"))
        log_n = int(log_n_text)
    except ValueError:
        raise HeaderDamaged("damaged: the scrypt stanza has the wrong shape") from None
    if (len(salt) != 16 or str(log_n) != log_n_text or log_n <= 0
            or len(stanza.body) != FILE_KEY_SIZE + TAG):
        raise HeaderDamaged("damaged: the scrypt stanza has the wrong shape")
    if log_n > SCRYPT_MAX_LOG_N:
        raise AgeError(f"asks for a scrypt work factor of 2^{log_n}, more than "
                       f"the 2^{SCRYPT_MAX_LOG_N} allowed")
    try:
        return ChaCha20Poly1305(_scrypt_key(passphrase, salt, log_n)).decrypt(
            _ZERO_NONCE, stanza.body, None)
    except InvalidTag:
        raise WrongPassphrase("the passphrase is wrong") from None


def encrypt_with_passphrase(data: bytes, passphrase: str,
                            log_n: int = SCRYPT_LOG_N) -> bytes:
    """A small age file that only the passphrase opens (as `age -p`)."""
    file_key = os.urandom(FILE_KEY_SIZE)
    out = _Collect()
    writer = Encryptor(out, file_key, [scrypt_stanza(passphrase, file_key, log_n)])
    writer.write(data)
    writer.close()
    return bytes(out.data)


def decrypt_with_passphrase(data: bytes, passphrase: str) -> bytes:
    source = _Bytes(data)
    header = read_header(source)
    if not any(s.type == "scrypt" for s in header.stanzas):
        raise AgeError("is not protected by a passphrase")
    file_key = _scrypt_unwrap(header.stanzas, passphrase)
    header.check_mac(file_key)
    return Decryptor(source, file_key, header.size).read_all()


def armor(data: bytes) -> str:
    """ASCII armour, as `age -a` writes it."""
    text = base64.b64encode(data).decode("ascii")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"


def is_armored(data: bytes) -> bool:
    return data.lstrip().startswith(ARMOR_BEGIN.encode("ascii"))


def dearmor(data: bytes) -> bytes:
    lines = data.decode("ascii", "replace").strip().splitlines()
    if len(lines) < 2 or lines[0].strip() != ARMOR_BEGIN or lines[-1].strip() != ARMOR_END:
        raise NotAgeFile("is not an ASCII-armoured age file")
    try:
        return base64.b64decode("".join(line.strip() for line in lines[1:-1]),
                                validate=True)
    except binascii.Error:
        raise HeaderDamaged("damaged: its armour is not valid base64") from None


# -- the header -----------------------------------------------------------------

class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class Header:
    stanzas: list[Stanza]
    mac: bytes
    signed: bytes  # the header up to and including "---", which the MAC covers

    @property
    def size(self) -> int:
        """Bytes from the start of the file to the end of the MAC line."""
        return len(self.signed) + 1 + len(b64encode(self.mac)) + 1

    def check_mac(self, file_key: bytes) -> None:
        key = _hkdf(file_key, b"", b"header")
        expected = hmac.new(key, self.signed, sha256).digest()
        if not hmac.compare_digest(expected, self.mac):
            raise HeaderDamaged("damaged: its header fails the integrity check")


def write_header(file_key: bytes, stanzas: Iterable[Stanza]) -> bytes:
    signed = VERSION_LINE + b"\n" + b"".join(s.encode() for s in stanzas) + b"---"
    mac = hmac.new(_hkdf(file_key, b"", b"header"), signed, sha256).digest()
    return signed + b" " + b64encode(mac) + b"\n"


def _read_line(source: Readable, budget: list[int]) -> bytes:
    line = bytearray()
    while True:
        byte = source.read(1)
        if not byte:
            raise Truncated("cut short inside its header")
        budget[0] -= 1
        if budget[0] < 0:
            raise HeaderDamaged("damaged: its header is too long")
        if byte == b"\n":
            return bytes(line)
        line += byte


def read_header(source: Readable) -> Header:
    """Parse the header strictly, leaving `source` at the payload nonce."""
    budget = [MAX_HEADER]
    first = _read_line(source, budget)
    if first != VERSION_LINE:
        raise NotAgeFile("is not an age-encrypted file")
    signed = bytearray(first + b"\n")
    stanzas = []
    line = _read_line(source, budget)
    while line.startswith(b"-> "):
        signed += line + b"\n"
        args = line[3:].split(b" ")
        if not all(_ARG.match(arg) for arg in args):
            raise HeaderDamaged("damaged: a header line is malformed")
        body = bytearray()
        while True:
            part = _read_line(source, budget)
            signed += part + b"\n"
            if len(part) > 64 or not _B64_CHARS.match(part):
                raise HeaderDamaged("damaged: a header line is malformed")
            body += part
            if len(part) < 64:
                break
        try:
            decoded = b64decode(bytes(body))
        except ValueError:
            raise HeaderDamaged("damaged: a header line is not valid base64") from None
        kind, *rest = (arg.decode("ascii") for arg in args)
        stanzas.append(Stanza(kind, tuple(rest), decoded))
        line = _read_line(source, budget)
    if not line.startswith(b"--- ") or not stanzas:
        raise HeaderDamaged("damaged: its header does not end as it should")
    signed += b"---"
    try:
        mac = b64decode(line[4:])
    except ValueError:
        raise HeaderDamaged("damaged: its header's MAC is not valid base64") from None
    if len(mac) != 32:
        raise HeaderDamaged("damaged: its header's MAC has the wrong length")
    return Header(stanzas, mac, bytes(signed))


def unwrap_file_key(header: Header, identities: list[Identity]) -> bytes:
    """The file key, opened by one of the identities, with the MAC checked."""
    if any(s.type == "scrypt" for s in header.stanzas):
        raise AgeError("is protected by a passphrase, not by a key")
    for stanza in header.stanzas:
        for identity in identities:
            file_key = identity.unwrap(stanza)
            if file_key is not None:
                header.check_mac(file_key)
                return file_key
    raise NoMatchingKey("was not made for this key")


# -- the payload ------------------------------------------------------------------

def _chunk_nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def payload_size(plain: int) -> int:
    """Encrypted payload bytes (nonce included) for `plain` bytes of content."""
    chunks = max(1, -(-plain // CHUNK))
    return NONCE_SIZE + plain + chunks * TAG


class Encryptor:
    """A file-like writer: what is written comes out encrypted, chunk by chunk.

    Once the sink has failed, the encryptor is broken: later writes (the
    tar and zstd streams above it flushing as their `with` blocks unwind)
    are dropped, so the sink's own error is the one that is reported, and
    close() raises it again rather than finish a file with a hole in it.
    """

    def __init__(self, sink: BinaryIO | _Collect, file_key: bytes,
                 stanzas: list[Stanza]) -> None:
        self._sink = sink
        nonce = os.urandom(NONCE_SIZE)
        sink.write(write_header(file_key, stanzas) + nonce)
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._buffer = bytearray()
        self._counter = 0
        self._failed: BaseException | None = None
        self.closed = False

    @classmethod
    def to(cls, sink: BinaryIO, recipient: Recipient) -> tuple[Encryptor, bytes]:
        """An encryptor for one recipient, and the file key it chose."""
        file_key = os.urandom(FILE_KEY_SIZE)
        return cls(sink, file_key, [recipient.wrap(file_key)]), file_key

    def write(self, data: bytes) -> int:
        if self._failed is not None:
            return len(data)  # see the class's docstring
        if self.closed:
            raise ValueError("write to a closed age encryptor")
        self._buffer += data
        # Keep the last chunk back: only close() knows which one is last.
        while len(self._buffer) > CHUNK:
            # The views are released before the buffer shrinks, even when the
            # sink raises: a view left alive (in the traceback) would make
            # every later resize of the buffer fail with BufferError.
            with memoryview(self._buffer) as whole, whole[:CHUNK] as plain:
                self._seal(plain, last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain, last: bool) -> None:
        sealed = self._aead.encrypt(_chunk_nonce(self._counter, last), plain, None)
        try:
            self._sink.write(sealed)
        except BaseException as exc:
            self._failed = exc
            raise
        self._counter += 1

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self._failed is not None:
            raise self._failed
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self.closed = True


class Decryptor:
    """A file-like reader of the plaintext; every chunk is authenticated
    before any of it is returned, and the end must be the marked last chunk."""

    def __init__(self, source: Readable, file_key: bytes, offset: int = 0) -> None:
        self._source = source
        nonce = _read_exact(source, NONCE_SIZE)
        if len(nonce) != NONCE_SIZE:
            raise Truncated("cut short: it ends before its content starts")
        self._aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
        self._offset = offset + NONCE_SIZE
        self._counter = 0
        self._next = _read_exact(source, SEALED_CHUNK)
        self._plain = b""
        self._pos = 0
        self.done = False

    def _open_next(self) -> None:
        sealed = self._next
        self._next = _read_exact(self._source, SEALED_CHUNK) if sealed else b""
        last = not self._next
        if len(sealed) < TAG or (not last and len(sealed) != SEALED_CHUNK):
            raise Truncated(f"cut short: it ends at byte {self._offset + len(sealed):,}"
                            " inside a chunk")
        nonce = _chunk_nonce(self._counter, last)
        try:
            plain = self._aead.decrypt(nonce, sealed, None)
        except InvalidTag:
            if last and len(sealed) == SEALED_CHUNK and self._opens_as_middle(sealed):
                raise Truncated(f"cut short: it ends after {self._offset + len(sealed):,}"
                                " bytes, before its last chunk") from None
            raise ChunkDamaged(self._counter, self._offset) from None
        if last and not plain and self._counter > 0:
            raise HeaderDamaged("damaged: it ends with an empty chunk")
        self._offset += len(sealed)
        self._counter += 1
        self._plain, self._pos = plain, 0
        self.done = last

    def _opens_as_middle(self, sealed: bytes) -> bool:
        try:
            self._aead.decrypt(_chunk_nonce(self._counter, False), sealed, None)
        except InvalidTag:
            return False
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.read_all()
        while self._pos >= len(self._plain):
            if self.done:
                return b""
            self._open_next()
        out = self._plain[self._pos:self._pos + size]
        self._pos += len(out)
        return out

    def read_all(self) -> bytes:
        parts = [self._plain[self._pos:]]
        while not self.done:
            self._open_next()
            parts.append(self._plain)
        self._pos = len(self._plain)
        return b"".join(parts)

    def finish(self) -> None:
        """Read (and authenticate) whatever is left, up to the marked end."""
        while not self.done:
            self._open_next()
        self._pos = len(self._plain)

    def readable(self) -> bool:
        return True


def check_payload_size(total: int, header_size: int) -> None:
    """Structure without the key: a STREAM payload is full chunks and one last
    chunk of at least one byte (none only when the content is empty)."""
    payload = total - header_size - NONCE_SIZE
    if payload < TAG:
        raise Truncated("cut short: it ends before its content starts")
    tail = payload % SEALED_CHUNK
    smallest = TAG if payload == tail else TAG + 1
    if tail and tail < smallest:
        raise Truncated(f"cut short: its last chunk has only {tail} bytes")


def _read_exact(source: Readable, size: int) -> bytes:
    data = source.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = source.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


class _Collect:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        out = bytes(self._data[self._pos:end])
        self._pos += len(out)
        return out


def open_key_file(data: bytes, ask_passphrase: Callable[[], str]) -> list[Identity]:
    """The identities in a key file: a plain identity file, or one protected
    by a passphrase (binary or armoured), as `age -d -i` accepts."""
    if is_armored(data):
        data = dearmor(data)
    if data.startswith(VERSION_LINE):
        data = decrypt_with_passphrase(data, ask_passphrase())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise AgeError("is not an age key file") from None
    return identities_in(text)
