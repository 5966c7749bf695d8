"""HTTP client for the hub's API: API-key auth, problem-details errors, and key-id pinning."""

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
USABLE_KEY_STATUSES = ("current", "previous")


RATE_LIMIT_RETRIES = 4
MAX_RATE_LIMIT_WAIT = 60  # seconds; a longer wait (a daily quota) is reported instead


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before retrying a rate-limited request, or None to not retry."""
    if response.status_code != 429:
        return None
    try:
        wait = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return wait if 0 <= wait <= MAX_RATE_LIMIT_WAIT else None


class HubError(Exception):
    """The hub refused a request or could not be reached; the message is the hub's own detail."""

    def __init__(self, message: str, *, status: int | None = None, problem: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


class KeyMismatchError(HubError):
    """The hub published a public key that does not hash to its key id."""


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    public_key: bytes
    status: str


def key_id_for(public_key: bytes) -> str:
    """A key id is the first 16 hex characters of SHA-256(public key): one id, one key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


class Hub:
    def __init__(self, url: str, api_key: str, *, http: httpx.Client | None = None) -> None:
        if not url:
            raise HubError("No hub URL: set VIGIL_URL or pass --url.")
        if not api_key:
            raise HubError("No API key: set VIGIL_API_KEY or pass --api-key.")
        self._http = http or httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._base = url.rstrip("/") + "/api/v1/"
        self._headers = {"Authorization": f"Bearer {api_key}", "User-Agent": "vigil-client/0.1"}

    def close(self) -> None:
        self._http.close()

    def _send(self, method: str, path: str, headers: dict[str, str] | None, **kwargs: Any) -> httpx.Response:
        """One request, waiting out a short rate limit (429 with Retry-After) a few times."""
        for _ in range(RATE_LIMIT_RETRIES):
            try:
                response = self._http.request(
                    method, self._base + path, headers={**self._headers, **(headers or {})}, **kwargs
                )
            except httpx.HTTPError as exc:
                raise HubError(f"Cannot reach the hub at {self._base}: {exc}") from exc
            wait = _retry_after(response)
            if wait is None:
                return response
            time.sleep(wait)
        return response

    def _request(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        response = self._send(method, path, headers, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            detail = problem.get("detail") or response.reason_phrase
            errors = "; ".join(f"{e.get('pointer')}: {e.get('detail')}" for e in problem.get("errors", [])[:5])
            raise HubError(
                f"hub answered {response.status_code}: {detail}" + (f" ({errors})" if errors else ""),
                status=response.status_code,
                problem=problem,
            )
        return response.json()

    def keys(self) -> list[PublishedKey]:
        """Every published key, each checked against its id."""
        keys = [
            PublishedKey(item["key_id"], bytes.fromhex(item["public_key"]), item["status"])
            for item in self._request("GET", "oprf/keys")
        ]
        for key in keys:
            if key_id_for(key.public_key) != key.key_id:
                raise KeyMismatchError(f"The hub's key {key.key_id} does not match its public key; refusing it.")
        return keys

    def current_key(self) -> PublishedKey:
        current = [key for key in self.keys() if key.status == "current"]
        if not current:
            raise HubError("The hub has no current OPRF key.")
        return current[0]

    def usable_key(self, key_id: str) -> PublishedKey | None:
        """The key if the hub still evaluates under it: the current one or one in its overlap window."""
        usable = [key for key in self.keys() if key.key_id == key_id and key.status in USABLE_KEY_STATUSES]
        return usable[0] if usable else None

    def evaluate(self, key_id: str, blinded_elements: list[bytes]) -> tuple[list[bytes], bytes]:
        body = {"key_id": key_id, "blinded_elements": [element.hex() for element in blinded_elements]}
        answer = self._request("POST", "oprf/evaluate", json=body)
        if answer.get("key_id") != key_id or len(answer.get("evaluated_elements", [])) != len(blinded_elements):
            raise HubError("The hub's evaluation does not answer the request that was sent.")
        return [bytes.fromhex(item) for item in answer["evaluated_elements"]], bytes.fromhex(answer["proof"])

    def organisation(self) -> dict[str, Any]:
        """The calling organisation (slug, name, sector, jurisdiction, status); any scope may ask."""
        return self._request("GET", "organisation")

    def report_batch(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Submit a report batch; a retry with the same key and body gets the first answer back."""
        return self._request("POST", "reports", json=body, headers={"Idempotency-Key": idempotency_key})

    def report_withdraw(self, report_id: int) -> dict[str, Any]:
        """Withdraw one report by id (idempotent); the answer is the report as it now stands."""
        return self._request("DELETE", f"reports/{report_id}")

    def report_withdraw_token(self, token: str, key_id: str) -> int:
        """Withdraw the organisation's active reports of a token: how many (a 404 if it never reported it)."""
        return self._request("DELETE", "reports", params={"token": token, "key_id": key_id})["withdrawn"]

    def matches_page(self, *, before: int | None = None, page_size: int = 100) -> dict[str, Any]:
        """One page of matches, newest first: `results` and `next_before` (None on the last page)."""
        params = {"page_size": page_size} | ({"before": before} if before is not None else {})
        return self._request("GET", "matches", params=params)

    def screen(
        self, key_id: str, tokens: list[str], *, record_sighting: bool = False, sighting_visibility: str = "anonymous"
    ) -> list[dict[str, Any]]:
        """What the organisation may know of up to 1,000 tokens, in order."""
        body = {
            "key_id": key_id,
            "tokens": tokens,
            "record_sighting": record_sighting,
            "sighting_visibility": sighting_visibility,
        }
        results = self._request("POST", "screen", json=body)["results"]
        if [result.get("token") for result in results] != tokens:
            raise HubError("The hub's screening does not answer the tokens that were sent.")
        return results
