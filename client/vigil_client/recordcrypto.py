"""The shared record's construction: record keys, sealed wraps, passphrase-wrapped private keys, entries.

Every primitive is libsodium's (through PyNaCl); the browser does the same with @noble
(frontend/src/recordcrypto.js), and tests/vectors/record-crypto.json holds both to one set of bytes.

- An entry is XChaCha20-Poly1305 under the record key of its generation, with associated data
  binding the organisation, the OPRF key id, the token and the generation; its JSON is padded with
  spaces to a multiple of 256 bytes so its size does not tell the namespace.
- A record key reaches a member sealed to its X25519 public key: an ephemeral X25519 key, HKDF-SHA256
  of the shared secret (salt: both public keys), XChaCha20-Poly1305 with a zero nonce (each key
  is used once) and associated data binding the organisation and the generation.
- A person's private key is kept at the hub wrapped under Argon2id(passphrase) (t=2, 19 MiB, p=1).
- The recovery secret is the private key of one more member, the recovery member.
"""

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from nacl import bindings, pwhash
from nacl.exceptions import CryptoError

VERSION = 1
_PREFIX = b"vigil-record/1/"
KEY_BYTES = 32
NONCE_BYTES = 24
SALT_BYTES = 16
PAD_BLOCK = 256
ENTRY_FIELDS = ("namespace", "canonical", "address", "key_id", "token", "report_id", "status", "note")
RECOVERY_PREFIX = "vigil-recovery-"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id version 0x13 with one lane; `memory` in KiB."""

    iterations: int = 2
    memory: int = 19456


KDF_DEFAULT = KdfParams()
KDF_FLOOR = KdfParams()  # a blob asking for less (a hub weakening it) is refused
KDF_CEILING = KdfParams(iterations=16, memory=1 << 20)  # nor may it ask a client to spend a gigabyte


class RecordCryptoError(Exception):
    """Something to refuse: a wrong passphrase or secret, a blob of an unknown shape."""


class TamperedError(RecordCryptoError):
    """Authentication failed: the ciphertext, or what it is bound to, is not what was written."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode(), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise RecordCryptoError("not base64") from None


def associated_data(label: str, *parts: str) -> bytes:
    """`vigil-record/1/<label>` then each part as a 2-byte big-endian length and its UTF-8."""
    out = bytearray(_PREFIX + label.encode())
    for part in parts:
        data = part.encode()
        out += len(data).to_bytes(2, "big") + data
    return bytes(out)


def _seal_aead(key: bytes, nonce: bytes, message: bytes, ad: bytes) -> bytes:
    return bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(message, ad, nonce, key)


def _open_aead(key: bytes, nonce: bytes, ciphertext: bytes, ad: bytes) -> bytes:
    try:
        return bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, ad, nonce, key)
    except CryptoError:
        raise TamperedError("the ciphertext does not authenticate") from None


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    """RFC 5869 (one block is all a 32-byte key needs)."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]


def public_key(private: bytes) -> bytes:
    return bindings.crypto_scalarmult_base(private)


def keypair() -> tuple[bytes, bytes]:
    private = os.urandom(KEY_BYTES)
    return private, public_key(private)


def new_record_key() -> bytes:
    return os.urandom(KEY_BYTES)


def fingerprint(public: bytes) -> str:
    """What two people compare out of band to know a member id is the colleague they mean."""
    digest = hashlib.sha256(_PREFIX + b"fingerprint" + public).hexdigest()[:20]
    return "-".join(digest[i : i + 4] for i in range(0, 20, 4))


def seal(public: bytes, message: bytes, ad: bytes, *, ephemeral: bytes | None = None) -> bytes:
    """ephemeral public key (32) || XChaCha20-Poly1305 ciphertext under a key only `public`'s owner derives."""
    ephemeral = ephemeral or os.urandom(KEY_BYTES)
    ephemeral_public = public_key(ephemeral)
    shared = bindings.crypto_scalarmult(ephemeral, public)
    key = hkdf_sha256(shared, salt=ephemeral_public + public, info=_PREFIX + b"seal")
    return ephemeral_public + _seal_aead(key, bytes(NONCE_BYTES), message, ad)


def open_sealed(private: bytes, blob: bytes, ad: bytes) -> bytes:
    if len(blob) < KEY_BYTES + 16:
        raise TamperedError("a sealed blob is too short")
    ephemeral_public, ciphertext = blob[:KEY_BYTES], blob[KEY_BYTES:]
    try:
        shared = bindings.crypto_scalarmult(private, ephemeral_public)
    except Exception:  # libsodium refuses a low-order point (an all-zero shared secret)
        raise TamperedError("a sealed blob's ephemeral key is not usable") from None
    key = hkdf_sha256(shared, salt=ephemeral_public + public_key(private), info=_PREFIX + b"seal")
    return _open_aead(key, bytes(NONCE_BYTES), ciphertext, ad)


def wrap_record_key(
    public: bytes, record_key: bytes, *, organisation: str, generation: int, ephemeral: bytes | None = None
) -> str:
    ad = associated_data("record-key", organisation, str(generation))
    return _b64(seal(public, record_key, ad, ephemeral=ephemeral))


def unwrap_record_key(private: bytes, wrapped: str, *, organisation: str, generation: int) -> bytes:
    key = open_sealed(private, _unb64(wrapped), associated_data("record-key", organisation, str(generation)))
    if len(key) != KEY_BYTES:
        raise RecordCryptoError("a wrapped record key is not 32 bytes")
    return key


def key_check(record_key: bytes, *, organisation: str, generation: int) -> str:
    """A commitment to a generation's key: whoever unwraps a grant knows it is the record's key."""
    ad = associated_data("key-check", organisation, str(generation))
    return hmac.new(record_key, ad, hashlib.sha256).hexdigest()[:32]


def _entry_ad(organisation: str, key_id: str, token: str, generation: int) -> bytes:
    return associated_data("entry", organisation, key_id, token, str(generation))


def entry_plaintext(entry: dict[str, Any]) -> bytes:
    """Sorted compact JSON of the entry's fields, padded with spaces to a multiple of PAD_BLOCK bytes."""
    text = json.dumps(
        {name: entry.get(name) for name in ENTRY_FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    data = text.encode()
    return data + b" " * (-len(data) % PAD_BLOCK)


def encrypt_entry(
    record_key: bytes, entry: dict[str, Any], *, organisation: str, generation: int, nonce: bytes | None = None
) -> str:
    nonce = nonce or os.urandom(NONCE_BYTES)
    ad = _entry_ad(organisation, entry["key_id"], entry["token"], generation)
    return _b64(nonce + _seal_aead(record_key, nonce, entry_plaintext(entry), ad))


def decrypt_entry(
    record_key: bytes, ciphertext: str, *, organisation: str, key_id: str, token: str, generation: int
) -> dict[str, Any]:
    """The entry stored under (organisation, key_id, token); TamperedError if it was written for anything else."""
    data = _unb64(ciphertext)
    if len(data) < NONCE_BYTES + 16:
        raise TamperedError("an entry is too short")
    plain = _open_aead(
        record_key, data[:NONCE_BYTES], data[NONCE_BYTES:], _entry_ad(organisation, key_id, token, generation)
    )
    entry = json.loads(plain)
    if entry.get("key_id") != key_id or entry.get("token") != token:
        raise TamperedError("an entry names another token than the one it is stored under")
    return entry


def _passphrase_key(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    secret = unicodedata.normalize("NFC", passphrase).encode()
    return pwhash.argon2id.kdf(KEY_BYTES, secret, salt, opslimit=params.iterations, memlimit=params.memory * 1024)


def wrap_private_key(
    private: bytes,
    passphrase: str,
    *,
    organisation: str,
    params: KdfParams = KDF_DEFAULT,
    salt: bytes | None = None,
    nonce: bytes | None = None,
) -> dict[str, Any]:
    """The blob the hub keeps for a person (and a client keeps on its disk): useless without the passphrase."""
    salt = salt or os.urandom(SALT_BYTES)
    nonce = nonce or os.urandom(NONCE_BYTES)
    key = _passphrase_key(passphrase, salt, params)
    ciphertext = _seal_aead(key, nonce, private, associated_data("private-key", organisation))
    return {
        "version": VERSION,
        "kdf": "argon2id",
        "iterations": params.iterations,
        "memory": params.memory,
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def unwrap_private_key(blob: Any, passphrase: str, *, organisation: str) -> bytes:
    try:
        params = KdfParams(int(blob["iterations"]), int(blob["memory"]))
        salt, nonce, ciphertext = (_unb64(blob[name]) for name in ("salt", "nonce", "ciphertext"))
        known = blob["version"] == VERSION and blob["kdf"] == "argon2id"
    except (KeyError, TypeError, ValueError):
        raise RecordCryptoError("not a wrapped private key") from None
    if not known or len(salt) != SALT_BYTES or len(nonce) != NONCE_BYTES:
        raise RecordCryptoError("not a wrapped private key of this version")
    if not (KDF_FLOOR.iterations <= params.iterations <= KDF_CEILING.iterations) or not (
        KDF_FLOOR.memory <= params.memory <= KDF_CEILING.memory
    ):
        raise RecordCryptoError("the wrapped private key asks for Argon2id parameters outside the accepted range")
    key = _passphrase_key(passphrase, salt, params)
    try:
        return _open_aead(key, nonce, ciphertext, associated_data("private-key", organisation))
    except TamperedError:
        raise RecordCryptoError("wrong record passphrase") from None


def recovery_secret(private: bytes) -> str:
    """The recovery member's private key as text to write down: `vigil-recovery-` and 52 base32 letters."""
    return RECOVERY_PREFIX + base64.b32encode(private).decode().rstrip("=").lower()


def recovery_private_key(secret: str) -> bytes:
    text = "".join(secret.split()).lower()
    if not text.startswith(RECOVERY_PREFIX):
        raise RecordCryptoError(f"a recovery secret starts with {RECOVERY_PREFIX}")
    try:
        private = base64.b32decode(text[len(RECOVERY_PREFIX) :].upper() + "====")
    except ValueError:
        raise RecordCryptoError("a recovery secret is 52 base32 letters after its prefix") from None
    if len(private) != KEY_BYTES:
        raise RecordCryptoError("a recovery secret is 52 base32 letters after its prefix")
    return private
