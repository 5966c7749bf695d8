"""What the client and the hub must agree on, defined once: both import it (tests/client/test_contract.py ties
it to the hub's model choices and API limits)."""

import hashlib

__all__ = [
    "CATEGORIES",
    "CONFIDENCES",
    "CURRENCY_MAX_LENGTH",
    "EVALUATE_BATCH_MAX",
    "KEY_ID_LENGTH",
    "NAMESPACES",
    "PUBLIC_ID_PATTERN",
    "REFERENCE_MAX_LENGTH",
    "REPORT_BATCH_MAX",
    "SCREEN_BATCH_MAX",
    "SECTORS",
    "SIGHTING_VISIBILITIES",
    "STIX_TOKEN_EXTENSION",
    "STIX_TOKEN_OBJECT",
    "TLPS",
    "VISIBILITIES",
    "key_id_for",
]

# Address families a token can stand for; vigil_client.addresses holds how each is normalised.
NAMESPACES: tuple[str, ...] = ("btc", "evm", "trx", "ltc", "bch", "doge", "xmr", "sol")

# Vocabularies of a report and its sharing policy (the values the API accepts).
CATEGORIES: tuple[str, ...] = ("osec_payment", "csam_marketplace", "sextortion", "trafficking", "grooming", "other")
CONFIDENCES: tuple[str, ...] = ("low", "medium", "high")
VISIBILITIES: tuple[str, ...] = ("named", "anonymous", "silent")
# A screener recording a sighting may stay anonymous but not silent: the reporters are told something.
SIGHTING_VISIBILITIES: tuple[str, ...] = ("named", "anonymous")
TLPS: tuple[str, ...] = ("clear", "green", "amber", "amber+strict", "red")  # TLP 2.0
SECTORS: tuple[str, ...] = ("bank", "exchange", "payment_provider", "ngo", "law_enforcement", "regulator", "other")

# Free-text fields of a report.
REFERENCE_MAX_LENGTH = 500
CURRENCY_MAX_LENGTH = 12

# Items per request.
REPORT_BATCH_MAX = 10_000  # POST reports
SCREEN_BATCH_MAX = 1_000  # POST screen
EVALUATE_BATCH_MAX = 10_000  # POST oprf/evaluate (blinded elements)

KEY_ID_LENGTH = 16

# STIX 2.1 export: the `x-vigil-token` property extension an indicator carries its token in (README,
# "STIX 2.1 export"), and the pattern object of an indicator whose address the hub does not know.
STIX_TOKEN_EXTENSION = "extension-definition--bf16f3bd-e261-50e0-babe-fa9c93a3ca22"  # noqa: S105
STIX_TOKEN_OBJECT = "x-vigil-token"  # noqa: S105

# Every id the hub shows a member (a report's, a match's, ...): a kind prefix and 26 base32 letters.
PUBLIC_ID_PATTERN = r"[a-z]{3}_[a-z2-7]{26}"


def key_id_for(public_key: bytes) -> str:
    """A key id is the first 16 hex characters of SHA-256(public key): one id, one key, checkable by anyone."""
    return hashlib.sha256(public_key).hexdigest()[:KEY_ID_LENGTH]
