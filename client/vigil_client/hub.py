"""HTTP client for the hub's API: API-key auth, problem-details errors, and key-id pinning."""

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


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

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, self._base + path, headers=self._headers, **kwargs)
        except httpx.HTTPError as exc:
            raise HubError(f"Cannot reach the hub at {self._base}: {exc}") from exc
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

    def current_key(self) -> PublishedKey:
        keys = [
            PublishedKey(item["key_id"], bytes.fromhex(item["public_key"]), item["status"])
            for item in self._request("GET", "oprf/keys")
        ]
        for key in keys:
            if key_id_for(key.public_key) != key.key_id:
                raise KeyMismatchError(f"The hub's key {key.key_id} does not match its public key; refusing it.")
        current = [key for key in keys if key.status == "current"]
        if not current:
            raise HubError("The hub has no current OPRF key.")
        return current[0]

    def evaluate(self, key_id: str, blinded_elements: list[bytes]) -> tuple[list[bytes], bytes]:
        body = {"key_id": key_id, "blinded_elements": [element.hex() for element in blinded_elements]}
        answer = self._request("POST", "oprf/evaluate", json=body)
        if answer.get("key_id") != key_id or len(answer.get("evaluated_elements", [])) != len(blinded_elements):
            raise HubError("The hub's evaluation does not answer the request that was sent.")
        return [bytes.fromhex(item) for item in answer["evaluated_elements"]], bytes.fromhex(answer["proof"])
