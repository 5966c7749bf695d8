"""Canonical wallet addresses per namespace: the normalisation half of the token contract."""

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from bip_utils import (
    Base58Alphabets,
    Base58ChecksumError,
    Base58Decoder,
    Base58Encoder,
    Base58XmrDecoder,
    Base58XmrEncoder,
    BchBech32Encoder,
    Ed25519MoneroPublicKey,
    EthAddrDecoder,
    Kekkak256,
)

# bip-utils' public decoders raise one generic ValueError for every segwit/CashAddr rule; their
# checksum and bit-conversion primitives let each refusal carry its own reason code.
from bip_utils.base58.base58 import Base58Const
from bip_utils.bech32.bch_bech32 import BchBech32Utils
from bip_utils.bech32.bech32 import Bech32Encodings, Bech32Utils
from bip_utils.bech32.bech32_base import Bech32BaseConst, Bech32BaseUtils

from vigil_client.contract import NAMESPACES

__all__ = ["NAMESPACES", "REASONS", "WHITESPACE", "AddressError", "normalise", "oprf_input"]

REASONS: dict[str, str] = {
    "empty": "nothing is left once whitespace and any payment-URI wrapper are stripped",
    "unknown_namespace": "the namespace is not one of NAMESPACES",
    "bad_character": "a character outside the address alphabet, or not ASCII",
    "mixed_case": "a bech32 or CashAddr address mixing upper and lower case",
    "bad_length": "the address or what it decodes to has the wrong length",
    "bad_checksum": "the checksum does not match",
    "bech32_variant": "bech32 where witness v1+ needs bech32m, or bech32m where v0 needs bech32",
    "bad_witness_version": "a segwit witness version above 16",
    "bad_padding": "bech32 or CashAddr data whose bit padding is invalid",
    "bad_encoding": "a Monero base58 block that overflows its 8 bytes",
    "invalid_key": "a Monero spend or view key that is not a curve point",
    "unknown_prefix": "a URI scheme, prefix, HRP, version or network byte of another chain or kind",
    "testnet": "a valid testnet, stagenet or regtest address; only mainnet wallets are tokenised",
    "unsupported_uri": "an ethereum: URI calling a function: its target is a contract, not a payee",
}

_URI_SCHEMES: dict[str, str] = {
    "btc": "bitcoin",
    "evm": "ethereum",
    "trx": "tron",
    "ltc": "litecoin",
    "bch": "bitcoincash",
    "doge": "dogecoin",
    "xmr": "monero",
    "sol": "solana",
}

# ASCII whitespace and the invisible characters copy-paste leaves (no-break space, zero-width
# space, byte-order mark), spelt out so that the JavaScript twin strips exactly the same set.
WHITESPACE = " \t\n\r\f\v\u00a0\u200b\ufeff"
# Longer than any address; refusing early bounds the quadratic base58 decoders.
_MAX_LENGTH = 128
_BASE58 = Base58Const.ALPHABETS[Base58Alphabets.BITCOIN]
_BECH32 = Bech32BaseConst.CHARSET
_HEX = frozenset(string.hexdigits)
# An HRP, the separator and a data part: a bech32 address of some chain.
_BECH32_SHAPE = re.compile(rf"([a-z]{{1,83}})1[{_BECH32}]{{6,}}")

_CASHADDR_PREFIXES = ("bitcoincash", "bchtest", "bchreg")  # mainnet's first
# Hash length in bytes for each value of the CashAddr version byte's three size bits.
_CASHADDR_HASH_SIZES = (20, 24, 28, 32, 40, 48, 56, 64)

_XMR_MAINNET = frozenset({18, 19, 42})  # standard, integrated, subaddress
_XMR_TESTNETS = frozenset({53, 54, 63, 24, 25, 36})  # the same three on testnet, then stagenet
_XMR_INTEGRATED = frozenset({19, 54, 25})
_XMR_STANDARD = 18
_XMR_KEY = 32
_XMR_PAYMENT_ID = 8


class AddressError(ValueError):
    """An address refused by :func:`normalise`; ``reason`` is a stable code from REASONS."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class _Network:
    """Base58check version bytes and bech32 HRPs of one chain's addresses."""

    versions: tuple[int, ...]
    testnet_versions: tuple[int, ...] = ()
    hrps: tuple[str, ...] = ()  # mainnet's first, then test networks'


_BTC = _Network((0x00, 0x05), (0x6F, 0xC4), ("bc", "tb", "bcrt"))
_LTC = _Network((0x30, 0x32, 0x05), (0x6F, 0x3A, 0xC4), ("ltc", "tltc", "rltc"))
_DOGE = _Network((0x1E, 0x16), (0x71, 0x6F, 0xC4))
_TRX = _Network((0x41,))


def normalise(namespace: str, address: str) -> str:
    """Return the canonical form of ``address`` in ``namespace``; raise AddressError if invalid."""
    normaliser = _NORMALISERS.get(namespace)
    if normaliser is None:
        message = f"unknown namespace {namespace!r}; use one of {', '.join(NAMESPACES)}"
        raise AddressError("unknown_namespace", message)
    text = _unwrap(namespace, address)
    if not text:
        raise AddressError("empty", "no address given")
    if not text.isascii():
        raise AddressError("bad_character", "addresses are plain ASCII")
    if len(text) > _MAX_LENGTH:
        raise AddressError("bad_length", f"{len(text)} characters is longer than any address")
    return normaliser(text)


def oprf_input(namespace: str, address: str) -> bytes:
    """The bytes a wallet token is computed from: ``wallet:<namespace>:<canonical address>``."""
    return f"wallet:{namespace}:{normalise(namespace, address)}".encode()


def _unwrap(namespace: str, address: str) -> str:
    """Strip whitespace and a payment-URI wrapper (scheme and query string) from an address."""
    text = address.strip(WHITESPACE)
    scheme, colon, rest = text.partition(":")
    if not colon:
        return text
    target = rest.partition("?")[0]
    if not target:
        return ""
    if namespace == "bch":
        # "bitcoincash:" is both the URI scheme and the CashAddr prefix, so it stays.
        return f"{scheme}:{target}"
    if scheme.lower() != _URI_SCHEMES[namespace]:
        raise AddressError("unknown_prefix", f"'{scheme}:' is not the {namespace} URI scheme")
    if namespace == "evm":
        return _eip681_target(target)
    return target


def _eip681_target(target: str) -> str:
    """The payee in an EIP-681 URI body ``[pay-]<address>[@<chain id>]``."""
    target = target.removeprefix("pay-")
    if "/" in target:
        raise AddressError("unsupported_uri", "a function-call URI names a contract, not a payee")
    return target.partition("@")[0]


def _require_alphabet(text: str, alphabet: str | frozenset[str], name: str) -> None:
    for char in text:
        if char not in alphabet:
            raise AddressError("bad_character", f"{char!r} is not a {name} character")


def _is_mixed_case(text: str) -> bool:
    return text != text.lower() and text != text.upper()


def _bitcoin_like(text: str, network: _Network) -> str:
    """A btc or ltc address: segwit when it starts with one of the chain's HRPs, else base58."""
    lowered = text.lower()
    hrp = next((hrp for hrp in network.hrps if lowered.startswith(hrp + "1")), None)
    if hrp is None:
        return _base58_kept(text, network)
    try:
        return _segwit(text, hrp, network)
    except AddressError as segwit_error:
        # A base58 address can begin like bech32 (litecoin "Ltc1…"); it is valid if it decodes.
        try:
            return _base58_kept(text, network)
        except AddressError:
            raise segwit_error from None


def _segwit(text: str, hrp: str, network: _Network) -> str:
    """Check a segwit address (BIP-173 bech32 for v0, BIP-350 bech32m for v1+); lowercase it."""
    if _is_mixed_case(text):
        raise AddressError("mixed_case", "bech32 is all lower case or all upper case")
    address = text.lower()
    data_part = address[len(hrp) + 1 :]
    _require_alphabet(data_part, _BECH32, "bech32")
    if len(data_part) < 7:  # witness version and six checksum characters
        raise AddressError("bad_length", "no witness program")
    values = [_BECH32.index(char) for char in data_part]
    is_bech32m = Bech32Utils.VerifyChecksum(hrp, values, Bech32Encodings.BECH32M)
    if not (is_bech32m or Bech32Utils.VerifyChecksum(hrp, values, Bech32Encodings.BECH32)):
        raise AddressError("bad_checksum", "bech32 checksum does not match")
    version = values[0]
    if version > 16:
        raise AddressError("bad_witness_version", f"witness version {version} is above 16")
    program = Bech32BaseUtils.ConvertBits(values[1:-6], 5, 8, pad=False)
    if program is None:
        raise AddressError("bad_padding", "witness program has invalid padding")
    if not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        raise AddressError("bad_length", f"witness v{version} program of {len(program)} bytes")
    if is_bech32m != (version > 0):
        needed = "bech32m" if version else "bech32"
        raise AddressError("bech32_variant", f"witness v{version} must use {needed} (BIP-350)")
    if hrp != network.hrps[0]:
        raise AddressError("testnet", f"'{hrp}1' is a test network address")
    return address


def _base58_kept(text: str, network: _Network) -> str:
    """A base58check address of the network, which is canonical as given."""
    _base58check_payload(text, network)
    return text


def _base58check_payload(text: str, network: _Network) -> bytes:
    """The version byte and 20-byte hash of a mainnet base58check address of the network."""
    try:
        payload = _decode_base58check(text)
    except AddressError as error:
        # Say so when it is a bech32 address of another chain (bech32 is never mixed case).
        shape = None if _is_mixed_case(text) else _BECH32_SHAPE.fullmatch(text.lower())
        if shape is None:
            raise
        message = f"bech32 prefix '{shape[1]}1' is not one of this chain's"
        raise AddressError("unknown_prefix", message) from error
    version = payload[0]
    if version in network.testnet_versions:
        raise AddressError("testnet", f"version byte 0x{version:02x} is a test network address")
    if version not in network.versions:
        raise AddressError("unknown_prefix", f"version byte 0x{version:02x} is not this chain's")
    return payload


def _decode_base58check(text: str) -> bytes:
    """Decode a base58check address to its 21 bytes: version byte and hash."""
    _require_alphabet(text, _BASE58, "base58")
    size = len(Base58Decoder.Decode(text))
    if size != 25:
        raise AddressError("bad_length", f"decodes to {size} bytes; an address has 25")
    try:
        return Base58Decoder.CheckDecode(text)
    except Base58ChecksumError as error:
        raise AddressError("bad_checksum", "base58check checksum does not match") from error


def _evm(text: str) -> str:
    """0x and 40 hex digits; a mixed-case spelling must carry a valid EIP-55 checksum."""
    if not text.startswith("0x"):
        raise AddressError("unknown_prefix", "an EVM address starts with 0x")
    digits = text[2:]
    _require_alphabet(digits, _HEX, "hex")
    if len(digits) != 40:
        raise AddressError("bad_length", f"{len(digits)} hex digits; an EVM address has 40")
    if _is_mixed_case(digits):
        try:
            EthAddrDecoder.DecodeAddr(text)
        except ValueError as error:
            raise AddressError("bad_checksum", "mixed case that fails EIP-55") from error
    return "0x" + digits.lower()


def _trx(text: str) -> str:
    """TRON base58check ("T…") as given, or its hex form ("41…", optionally "0x41…") encoded."""
    digits = text.removeprefix("0x")
    if digits == text and not set(text) <= _HEX:
        return _base58_kept(text, _TRX)
    _require_alphabet(digits, _HEX, "hex")
    if len(digits) != 42:
        raise AddressError("bad_length", f"{len(digits)} hex digits; a TRON address has 42")
    if not digits.startswith("41"):
        raise AddressError("unknown_prefix", "a TRON hex address starts with 41")
    return Base58Encoder.CheckEncode(bytes.fromhex(digits))


def _bch(text: str) -> str:
    """CashAddr with or without its prefix, or legacy base58, as lowercase prefixed CashAddr."""
    prefix, colon, body = text.rpartition(":")
    if not colon and body[0].lower() not in "qpzr":
        payload = _base58check_payload(text, _BTC)  # legacy addresses share bitcoin's versions
        return _cashaddr(0 if payload[0] == 0x00 else 1, payload[1:])
    if colon and prefix.lower() not in _CASHADDR_PREFIXES:
        raise AddressError("unknown_prefix", f"'{prefix}:' is not a CashAddr prefix")
    if _is_mixed_case(text):
        raise AddressError("mixed_case", "CashAddr is all lower case or all upper case")
    _require_alphabet(body.lower(), _BECH32, "CashAddr")
    if len(body) <= 8:  # the checksum alone takes eight characters
        raise AddressError("bad_length", "no CashAddr payload")
    values = [_BECH32.index(char) for char in body.lower()]
    # Without a prefix, the prefix the checksum was computed with tells the network.
    candidates = (prefix.lower(),) if colon else _CASHADDR_PREFIXES
    network = next((p for p in candidates if BchBech32Utils.VerifyChecksum(p, values)), None)
    if network is None:
        raise AddressError("bad_checksum", "CashAddr checksum does not match")
    data = Bech32BaseUtils.ConvertBits(values[:-8], 5, 8, pad=False)
    if data is None:
        raise AddressError("bad_padding", "CashAddr payload has invalid padding")
    version, digest = data[0], bytes(data[1:])
    kind = version >> 3  # 0 P2PKH, 1 P2SH, 2 and 3 their token-aware forms; bit 7 is reserved
    if kind > 3:
        raise AddressError("unknown_prefix", f"CashAddr version byte 0x{version:02x}")
    sizes = (20,) if kind % 2 == 0 else (20, 32)  # P2PKH hashes 20 bytes; P2SH 20 or 32
    if len(digest) not in sizes or _CASHADDR_HASH_SIZES[version & 7] != len(digest):
        raise AddressError("bad_length", f"CashAddr hash of {len(digest)} bytes")
    if network != _CASHADDR_PREFIXES[0]:
        raise AddressError("testnet", f"'{network}:' is a test network address")
    # A token-aware address pays the same locking script as the plain one: one wallet, one form.
    return _cashaddr(kind % 2, digest)


def _cashaddr(kind: int, digest: bytes) -> str:
    version = kind << 3 | _CASHADDR_HASH_SIZES.index(len(digest))
    return BchBech32Encoder.Encode(_CASHADDR_PREFIXES[0], bytes([version]), digest)


def _xmr(text: str) -> str:
    """Monero standard or subaddress as given; integrated reduced to its standard address."""
    _require_alphabet(text, _BASE58, "base58")
    if len(text) not in (95, 106):
        raise AddressError("bad_length", f"{len(text)} characters; Monero uses 95 or 106")
    raw = Base58XmrDecoder.Decode(text)
    # bip-utils silently truncates a block that overflows; a canonical address re-encodes to itself.
    if Base58XmrEncoder.Encode(raw) != text:
        raise AddressError("bad_encoding", "a base58 block overflows its 8 bytes")
    payload, checksum = raw[:-4], raw[-4:]
    if _keccak_checksum(payload) != checksum:
        raise AddressError("bad_checksum", "keccak checksum does not match")
    network = payload[0]
    if network not in _XMR_MAINNET | _XMR_TESTNETS:
        raise AddressError("unknown_prefix", f"network byte {network} is not Monero's")
    payment_id = _XMR_PAYMENT_ID if network in _XMR_INTEGRATED else 0
    if len(payload) != 1 + 2 * _XMR_KEY + payment_id:
        raise AddressError("bad_length", f"{len(payload)}-byte payload for network byte {network}")
    keys = payload[1 : 1 + 2 * _XMR_KEY]
    spend, view = keys[:_XMR_KEY], keys[_XMR_KEY:]
    if not all(map(Ed25519MoneroPublicKey.IsValidBytes, (spend, view))):
        raise AddressError("invalid_key", "spend or view key is not a valid curve point")
    if network in _XMR_TESTNETS:
        raise AddressError("testnet", f"network byte {network} is testnet or stagenet")
    if not payment_id:
        return text
    standard = bytes([_XMR_STANDARD]) + keys
    return Base58XmrEncoder.Encode(standard + _keccak_checksum(standard))


def _keccak_checksum(payload: bytes) -> bytes:
    return Kekkak256.QuickDigest(payload)[:4]


def _sol(text: str) -> str:
    """Base58 of 32 bytes, as given; no curve check: program-derived addresses lie off it."""
    _require_alphabet(text, _BASE58, "base58")
    size = len(Base58Decoder.Decode(text))
    if size != 32:
        raise AddressError("bad_length", f"decodes to {size} bytes; a Solana address has 32")
    return text


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "btc": partial(_bitcoin_like, network=_BTC),
    "evm": _evm,
    "trx": _trx,
    "ltc": partial(_bitcoin_like, network=_LTC),
    "bch": _bch,
    "doge": partial(_base58_kept, network=_DOGE),
    "xmr": _xmr,
    "sol": _sol,
}
