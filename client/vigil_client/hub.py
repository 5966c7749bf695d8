"""HTTP client for the hub's API: API-key auth, problem-details errors, and key-id pinning."""

import itertools
import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from vigil_client import threshold
from vigil_client.contract import key_id_for

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
USABLE_KEY_STATUSES = ("current", "previous")


MAX_RATE_LIMIT_WAIT = 60  # seconds; a longer wait (a daily quota) is reported instead
# Answers that say "try again shortly": the hub, or the proxy in front of it, is briefly down.
TRANSIENT_STATUSES = frozenset({502, 503, 504})
# Failures where the request certainly never reached the hub, so even a non-idempotent write may be re-sent.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
# Failures that may heal by themselves; anything else (a URL without a scheme, a bad proxy, a redirect
# loop, an undecodable body) is reported at once rather than retried until the time bound.
PASSING = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    """Jittered exponential backoff for transient failures, bounded in total time per request."""

    total_seconds: float = 120.0
    first_delay: float = 0.5
    max_delay: float = 10.0

    @classmethod
    def from_env(cls) -> "RetryPolicy":
        """VIGIL_RETRY_SECONDS sets the bound (0 turns retrying off)."""
        value = os.environ.get("VIGIL_RETRY_SECONDS", "")
        try:
            return cls(total_seconds=float(value)) if value else cls()
        except ValueError:
            raise HubError(f"VIGIL_RETRY_SECONDS must be a number of seconds, got {value!r}.") from None

    def backoff(self, attempt: int) -> float:
        # Full jitter: clients that failed together do not come back together.
        return random.uniform(0, min(self.max_delay, self.first_delay * 2**attempt))


def _header_seconds(response: httpx.Response) -> float | None:
    try:
        wait = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return wait if wait >= 0 else None


class HubError(Exception):
    """The hub refused a request or could not be reached; the message is the hub's own detail."""

    def __init__(self, message: str, *, status: int | None = None, problem: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


class KeyMismatchError(HubError):
    """The hub published a public key that does not hash to its key id."""


@dataclass(frozen=True)
class TrusteeEndpoint:
    """One evaluator of a split key: its share's index, its name, where it answers, and k_i*G."""

    index: int
    name: str
    url: str
    commitment: bytes


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    public_key: bytes
    status: str
    threshold: int | None = None  # t of a key split among `trustees`; None for a key the hub holds whole
    trustees: tuple[TrusteeEndpoint, ...] = field(default=())


def _published(item: dict[str, Any]) -> PublishedKey:
    key = PublishedKey(
        item["key_id"],
        bytes.fromhex(item["public_key"]),
        item["status"],
        item.get("threshold"),
        tuple(
            TrusteeEndpoint(t["index"], t["name"], t["url"], bytes.fromhex(t["commitment"]))
            for t in item.get("trustees") or []
        ),
    )
    if key_id_for(key.public_key) != key.key_id:
        raise KeyMismatchError(f"The hub's key {key.key_id} does not match its public key; refusing it.")
    if key.threshold is not None:
        try:
            threshold.verify_commitments(
                key.public_key, {t.index: t.commitment for t in key.trustees}, threshold=key.threshold
            )
        except (threshold.CommitmentError, ValueError) as error:
            raise KeyMismatchError(f"The trustees of key {key.key_id} do not give its public key: {error}.") from None
    return key


def trustee_keys_from_env() -> dict[str, str]:
    """VIGIL_TRUSTEE_KEYS: comma-separated NAME=API_KEY, the organisation's key at each trustee."""
    return parse_trustee_keys(os.environ.get("VIGIL_TRUSTEE_KEYS", "").split(","))


def parse_trustee_keys(items: list[str]) -> dict[str, str]:
    keys = {}
    for item in filter(None, (text.strip() for text in items)):
        name, _, secret = item.partition("=")
        if not name or not secret:
            raise HubError(f"A trustee API key must be NAME=API_KEY, got {name or item[:8]!r}...")
        keys[name] = secret
    return keys


class Hub:
    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        trustee_keys: Mapping[str, str] | None = None,
        name: str = "hub",
    ) -> None:
        if not url:
            raise HubError("No hub URL: set VIGIL_URL or pass --url.")
        if not api_key:
            raise HubError("No API key: set VIGIL_API_KEY or pass --api-key.")
        self._http = http or httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._base = url.rstrip("/") + "/api/v1/"
        self._headers = {"Authorization": f"Bearer {api_key}", "User-Agent": "vigil-client/0.1"}
        self._retry = retry or RetryPolicy.from_env()
        self._name = name  # who errors say answered: the hub, or one trustee of a split key
        # The organisation's own API key at each trustee of a split key, by trustee name; never sent to the hub.
        self.trustee_keys = dict(trustee_keys if trustee_keys is not None else trustee_keys_from_env())

    @property
    def http(self) -> httpx.Client:
        """The connection pool, shared with the trustees of a split key."""
        return self._http

    def close(self) -> None:
        self._http.close()

    def _send(
        self, method: str, path: str, headers: dict[str, str] | None, *, repeatable: bool, **kwargs: Any
    ) -> httpx.Response:
        """One request, retried through transient failures until the policy's time bound.

        Rate limits (429) are refused before anything happens, and an unreachable hub saw nothing, so
        both are always retried; a 502/503/504 or a broken connection may come after the hub acted,
        so those are retried only for `repeatable` requests (reads, deletes, and writes carrying an
        Idempotency-Key, which the hub answers once).
        """
        started = time.monotonic()
        for attempt in itertools.count():
            try:
                response = self._http.request(
                    method, self._base + path, headers={**self._headers, **(headers or {})}, **kwargs
                )
            except PASSING as exc:
                if not (repeatable or isinstance(exc, NOT_SENT)):
                    raise HubError(f"Lost the connection to the {self._name} at {self._base}: {exc}") from exc
                failure, status, wait = f"cannot reach the {self._name} at {self._base}: {exc}", None, None
            except httpx.HTTPError as exc:
                raise HubError(f"Cannot talk to the {self._name} at {self._base}: {exc}") from exc
            else:
                if response.status_code == 429:
                    wait = _header_seconds(response)
                    if wait is not None and wait > MAX_RATE_LIMIT_WAIT:
                        return response  # a daily quota: report it rather than wait
                elif response.status_code in TRANSIENT_STATUSES and repeatable:
                    wait = _header_seconds(response)
                else:
                    return response
                failure, status = f"{self._name} answered {response.status_code}", response.status_code
            wait = self._retry.backoff(attempt) if wait is None else wait
            elapsed = time.monotonic() - started
            if elapsed + wait > self._retry.total_seconds:
                raise HubError(
                    f"Gave up after {attempt + 1} attempt(s) over {elapsed:.1f}s "
                    f"(retry bound {self._retry.total_seconds:g}s, VIGIL_RETRY_SECONDS): {failure}",
                    status=status,
                )
            time.sleep(wait)

    def _request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        repeatable: bool | None = None,
        **kwargs: Any,
    ) -> Any:
        if repeatable is None:
            repeatable = method in ("GET", "HEAD", "PUT", "DELETE") or "Idempotency-Key" in (headers or {})
        response = self._send(method, path, headers, repeatable=repeatable, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            detail = problem.get("detail") or response.reason_phrase
            errors = "; ".join(f"{e.get('pointer')}: {e.get('detail')}" for e in problem.get("errors", [])[:5])
            raise HubError(
                f"{self._name} answered {response.status_code}: {detail}" + (f" ({errors})" if errors else ""),
                status=response.status_code,
                problem=problem,
            )
        return response.json()

    def keys(self) -> list[PublishedKey]:
        """Every published key, each checked against its id."""
        return [_published(item) for item in self._request("GET", "oprf/keys")]

    def current_key(self) -> PublishedKey:
        current = [key for key in self.keys() if key.status == "current"]
        if not current:
            raise HubError("The hub has no current OPRF key.")
        return current[0]

    def usable_key(self, key_id: str) -> PublishedKey | None:
        """The key if the hub still evaluates under it: the current one or one in its overlap window."""
        usable = [key for key in self.keys() if key.key_id == key_id and key.status in USABLE_KEY_STATUSES]
        return usable[0] if usable else None

    def evaluate(
        self, key_id: str, blinded_elements: list[bytes], *, share_index: int | None = None
    ) -> tuple[list[bytes], bytes]:
        """Evaluated elements and proof; at a trustee, `share_index` is the share the answer must come from."""
        body = {"key_id": key_id, "blinded_elements": [element.hex() for element in blinded_elements]}
        # Evaluation changes nothing but the day's meter, and gives the same elements again.
        answer = self._request("POST", "oprf/evaluate", json=body, repeatable=True)
        if (
            answer.get("key_id") != key_id
            or len(answer.get("evaluated_elements", [])) != len(blinded_elements)
            or answer.get("share_index") != share_index
        ):
            raise HubError("The evaluation does not answer the request that was sent.")
        return [bytes.fromhex(item) for item in answer["evaluated_elements"]], bytes.fromhex(answer["proof"])

    def organisation(self) -> dict[str, Any]:
        """The calling organisation (slug, name, sector, jurisdiction, status); any scope may ask."""
        return self._request("GET", "organisation")

    def report_batch(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Submit a report batch; a retry with the same key and body gets the first answer back."""
        return self._request("POST", "reports", json=body, headers={"Idempotency-Key": idempotency_key})

    def report_withdraw(self, report_id: str) -> dict[str, Any]:
        """Withdraw one report by id (idempotent); the answer is the report as it now stands."""
        return self._request("DELETE", f"reports/{report_id}")

    def report_withdraw_token(self, token: str, key_id: str) -> int:
        """Withdraw the organisation's active reports of a token: how many (a 404 if it never reported it)."""
        return self._request("DELETE", "reports", params={"token": token, "key_id": key_id})["withdrawn"]

    def export_stix(self) -> dict[str, Any]:
        """The organisation's reports, matches, sightings and outcomes as a STIX 2.1 bundle, without addresses."""
        return self._request("GET", "export/stix", repeatable=True)

    def matches_page(self, *, before: str | None = None, page_size: int = 100) -> dict[str, Any]:
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
        # Screening is a read unless it records a sighting, which a blind re-send could record twice.
        results = self._request("POST", "screen", json=body, repeatable=not record_sighting)["results"]
        if [result.get("token") for result in results] != tokens:
            raise HubError("The hub's screening does not answer the tokens that were sent.")
        return results

    # The shared record: every body below is public keys, sealed keys or ciphertext.

    def record(self) -> dict[str, Any] | None:
        """The organisation's shared record as the caller holds it, or None if it has none yet."""
        try:
            return self._request("GET", "record")
        except HubError as exc:
            if exc.status == 404:
                return None
            raise

    def record_create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "record", json=body)

    def record_join(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "record/members", json=body)

    def record_members(self) -> list[dict[str, Any]]:
        return list(self._pages("record/members"))

    def record_member(self, member_id: str) -> dict[str, Any]:
        return self._request("GET", f"record/members/{member_id}")

    def record_grant(self, member_id: str, keys: list[dict[str, Any]]) -> dict[str, Any]:
        # A retried grant adds nothing the first one did not.
        return self._request("POST", f"record/members/{member_id}/grant", json={"keys": keys}, repeatable=True)

    def record_rotate(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "record/rotate", json=body)

    def record_recovery(self) -> dict[str, Any]:
        return self._request("GET", "record/recovery")

    def record_rekey(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._request("POST", "record/recovery", json=body)

    def record_lookup(self, pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
        body = {"items": [{"key_id": key_id, "token": token} for key_id, token in pairs]}
        return self._request("POST", "record/entries/lookup", json=body, repeatable=True)["entries"]

    def record_write(self, entries: list[dict[str, Any]]) -> int:
        return self._request("PUT", "record/entries", json={"entries": entries})["written"]

    def record_entries(self, *, below_generation: int | None = None) -> Any:
        params = {"page_size": 1000} | ({"below_generation": below_generation} if below_generation else {})
        return self._pages("record/entries", params)

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """Every item of a cursor-paginated list, following its `next` links."""
        page = self._request("GET", path, params=params or {"page_size": 1000})
        while True:
            yield from page["results"]
            following = page.get("next")
            if not following:
                return
            page = self._request("GET", following.split("/api/v1/", 1)[1])

    def reports(self, *, status: str = "active", key_id: str | None = None) -> Any:
        """The organisation's own reports, every page."""
        params = {"status": status, "page_size": 1000} | ({"key_id": key_id} if key_id else {})
        return self._pages("reports", params)
