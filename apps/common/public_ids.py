"""Opaque public ids: what members see instead of the database's sequential ids.

A sequential id tells whoever sees two of them how much the whole hub did in between. Each
public id is one AES block over (kind tag, id) under a key derived from SECRET_KEY, so it is
stable, reversible by the hub alone, and says nothing about order or volume. Rotating SECRET_KEY
changes every public id.
"""

import base64
import hashlib
import re
import threading
from collections.abc import Iterable
from functools import cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.urls import register_converter
from vigil_client.contract import PUBLIC_ID_PATTERN

from apps.common.errors import NotFound

# Kind -> the short prefix shown to members (a readable hint, like a type tag).
KINDS = {
    "match": "mat",
    "report": "rep",
    "participant": "par",
    "notification": "ntf",
    "disclosure": "dis",
    "audit_event": "aud",
    "membership": "mem",
    "api_key": "key",
    "webhook": "whk",
    "delivery": "dlv",
    "application": "app",
    "invitation": "inv",
    "release": "rel",
    "government_request": "gov",
    "record_member": "rmb",
    "review": "rev",
    "dispute": "dsp",
}
PATTERN = PUBLIC_ID_PATTERN
_FULL = re.compile(PATTERN)


@cache
def _cipher_key(secret: str) -> bytes:
    return hashlib.blake2b(secret.encode(), digest_size=16, person=b"vigil-public-id").digest()


@cache
def _block(kind: str, tag: int = 0) -> bytes:
    return hashlib.sha256(f"{kind}:{tag}".encode()).digest()[:8]


_contexts = threading.local()


def _aes(data: bytes, *, decrypt: bool = False) -> bytes:
    # One block, one key: a pseudorandom permutation of the 128-bit space, which is all ECB is here.
    # ECB keeps no state between blocks, so each thread reuses its contexts (a page may show thousands of ids).
    key = _cipher_key(settings.SECRET_KEY)
    if getattr(_contexts, "key", None) != key:
        cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305
        _contexts.key, _contexts.encryptor, _contexts.decryptor = key, cipher.encryptor(), cipher.decryptor()
    return (_contexts.decryptor if decrypt else _contexts.encryptor).update(data)


def public_id(kind: str, pk: int, *, scope: int = 0) -> str:
    """The public id of row `pk` of `kind`; `scope` gives each viewer its own id for the same row."""
    return public_ids(kind, [pk], scope=scope)[0]


def public_ids(kind: str, pks: Iterable[int], *, scope: int = 0) -> list[str]:
    """`public_id` of each of `pks`, in one cipher call and one encoding: a screening shows hundreds."""
    tag = _block(kind, scope)
    blocks = _aes(b"".join(tag + int(pk).to_bytes(8, "big") for pk in pks))
    # Four zero bytes round each block up to 32 letters, the first 26 of which spell the block alone.
    text = base64.b32encode(b"".join(blocks[i : i + 16] + bytes(4) for i in range(0, len(blocks), 16)))
    text = text.decode().lower()
    prefix = f"{KINDS[kind]}_"
    return [prefix + text[i : i + 26] for i in range(0, len(text), 32)]


def internal_id(kind: str, value: str, *, scope: int = 0) -> int:
    """The row id behind a public id of `kind`, or NotFound for anything else (forged, other kind)."""
    if not isinstance(value, str) or not _FULL.fullmatch(value) or not value.startswith(KINDS[kind] + "_"):
        raise NotFound(f"No such {kind.replace('_', ' ')}.")
    block = _aes(base64.b32decode(value[4:].upper() + "======"), decrypt=True)
    pk = int.from_bytes(block[8:], "big")
    # 26 base32 letters carry 130 bits for a 128-bit block: only the one spelling public_id writes is an id.
    if block[:8] != _block(kind, scope) or public_id(kind, pk, scope=scope) != value:
        raise NotFound(f"No such {kind.replace('_', ' ')}.")
    return pk


class PublicIdConverter:
    """URL segment holding a public id; views turn it into a row id with `internal_id`."""

    regex = PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PublicIdConverter, "pid")
