"""The RFC 9497 ristretto255-SHA512 vectors, loaded once for every test that needs them."""

import json
from pathlib import Path

VECTORS = json.loads((Path(__file__).parent / "vectors" / "rfc9497-ristretto255-sha512.json").read_text())
VOPRF = VECTORS["modes"]["VOPRF"]
RFC_SECRET = bytes.fromhex(VOPRF["skSm"])
RFC_PUBLIC = bytes.fromhex(VOPRF["pkSm"])
