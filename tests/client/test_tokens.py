"""The client against a live hub over real HTTP: tokens, privacy of request bodies, refusals."""

import json
from typing import Any

import httpx
import pytest
from vigil_client import tokens, voprf
from vigil_client.addresses import normalise, oprf_input
from vigil_client.hub import Hub, HubError, KeyMismatchError
from vigil_client.tokens import Tokenizer

from apps.oprf.models import OprfKey
from tests.rfc_vectors import RFC_SECRET

ADDRESSES = [
    ("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("btc", "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"),
    ("evm", "0x52908400098527886E0F7030069857D2E4169EE7"),
    ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
]


@pytest.fixture
def hub_world(transactional_db, live_server, rfc_key: OprfKey, world):
    return live_server.url, world


def _recording_hub(url: str, secret: str, sent: list[bytes]) -> Hub:
    def record(request: httpx.Request) -> None:
        sent.append(request.read())

    return Hub(url, secret, http=httpx.Client(event_hooks={"request": [record]}))


def test_tokens_over_http_equal_tokens_computed_from_the_key(hub_world) -> None:
    url, world = hub_world
    hub = Hub(url, world.secret_a)
    for namespace, address in ADDRESSES:
        [result] = Tokenizer(hub).tokenize(namespace, [address])
        expected = voprf.token_from_output(voprf.evaluate_direct(RFC_SECRET, oprf_input(namespace, address)))
        assert result.token == expected


def test_two_spellings_of_one_wallet_give_one_token(hub_world) -> None:
    url, world = hub_world
    results = list(Tokenizer(Hub(url, world.secret_a)).tokenize("btc", [ADDRESSES[0][1], ADDRESSES[1][1]]))
    assert results[0].token == results[1].token
    assert len(results[0].token) == 64


def test_no_request_body_contains_an_address_or_its_canonical_form(hub_world) -> None:
    url, world = hub_world
    sent: list[bytes] = []
    tokenizer = Tokenizer(_recording_hub(url, world.secret_a, sent), batch_size=2)
    for namespace, address in ADDRESSES:
        list(tokenizer.tokenize(namespace, [address]))
    bodies = b"".join(sent).lower()
    assert bodies, "the client sent nothing"
    for namespace, address in ADDRESSES:
        for form in {address, normalise(namespace, address), oprf_input(namespace, address).decode()}:
            assert form.lower().encode() not in bodies
            # Nor hex- or JSON-escaped forms of it.
            assert form.encode().hex().encode() not in bodies
            assert json.dumps(form).lower().encode() not in bodies


def test_invalid_lines_are_reported_in_place_and_never_sent(hub_world) -> None:
    url, world = hub_world
    sent: list[bytes] = []
    results = list(
        Tokenizer(_recording_hub(url, world.secret_a, sent)).tokenize(
            "btc", ["tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", ADDRESSES[0][1], "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"]
        )
    )
    assert [result.token is None for result in results] == [True, False, True]
    assert "test" in results[0].error
    assert "checksum" in results[2].error
    evaluated = json.loads(sent[-1])["blinded_elements"]
    assert len(evaluated) == 1


class _TamperingTransport(httpx.HTTPTransport):
    """Flips one bit of every proof the hub returns, as a hub cheating on its key would."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not request.url.path.endswith("/oprf/evaluate"):
            return response
        body = json.loads(response.read())
        proof = bytearray.fromhex(body["proof"])
        proof[-1] ^= 1
        body["proof"] = proof.hex()
        return httpx.Response(response.status_code, json=body)


def test_the_client_refuses_an_answer_whose_proof_does_not_verify(hub_world) -> None:
    url, world = hub_world
    hub = Hub(url, world.secret_a, http=httpx.Client(transport=_TamperingTransport()))
    with pytest.raises(voprf.ProofError):
        list(Tokenizer(hub).tokenize("btc", [ADDRESSES[0][1]]))


def test_the_client_refuses_a_key_that_does_not_match_its_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"key_id": "0" * 16, "public_key": "ab" * 32, "status": "current"}])

    hub = Hub("http://hub.invalid", "vigil_x_y", http=httpx.Client(transport=httpx.MockTransport(handler)))
    with pytest.raises(KeyMismatchError):
        hub.current_key()


@pytest.mark.parametrize(
    "processes",
    [
        1,
        # Parallel batches mean concurrent requests, which the in-memory SQLite test database of
        # the live server cannot take; PostgreSQL (CI) can.
        pytest.param(2, marks=pytest.mark.postgres_only),
    ],
)
def test_results_keep_input_order_across_many_batches(hub_world, processes: int) -> None:
    url, world = hub_world
    addresses = [f"0x{n:040x}" for n in range(1, 26)]
    addresses[7] = "0xnot-an-address"
    tokenizer = Tokenizer(Hub(url, world.secret_a), batch_size=4, processes=processes)
    results = list(tokenizer.tokenize("evm", addresses))
    assert [result.address for result in results] == addresses
    assert results[7].error is not None
    assert len({result.token for result in results if result.token}) == 24
    expected = voprf.token_from_output(voprf.evaluate_direct(RFC_SECRET, oprf_input("evm", addresses[20])))
    assert results[20].token == expected


def _counting_pools(monkeypatch) -> list[int]:
    """One entry for each pool of worker processes a tokenizer starts."""
    started: list[int] = []

    class Counting(tokens.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tokens, "ProcessPoolExecutor", Counting)
    return started


@pytest.mark.postgres_only  # parallel batches are concurrent requests, which PostgreSQL takes
def test_a_tokenizer_kept_open_starts_its_worker_processes_once_for_every_call(hub_world, monkeypatch) -> None:
    url, world = hub_world
    started = _counting_pools(monkeypatch)
    addresses = [f"0x{n:040x}" for n in range(1, 9)]
    with Tokenizer(Hub(url, world.secret_a), batch_size=2, processes=2) as tokenizer:
        found = tokenizer.tokens_for("evm", addresses[:4]) + tokenizer.tokens_for("evm", addresses[4:])
    assert len(started) == 1
    assert found == [
        voprf.token_from_output(voprf.evaluate_direct(RFC_SECRET, oprf_input("evm", address))) for address in addresses
    ]
    # Outside a `with`, each call that needs them starts its own.
    tokenizer = Tokenizer(Hub(url, world.secret_a), batch_size=2, processes=2)
    assert tokenizer.tokens_for("evm", addresses[:4]) + tokenizer.tokens_for("evm", addresses[4:]) == found
    assert len(started) == 3


def test_the_client_waits_out_a_short_rate_limit_but_not_a_daily_quota(monkeypatch) -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"retry-after": "1"}, json={"detail": "slow down"}),
            httpx.Response(200, json={"slug": "alpha-bank"}),
            httpx.Response(429, headers={"retry-after": "40000"}, json={"detail": "Daily evaluation quota"}),
        ]
    )
    waits: list[float] = []
    monkeypatch.setattr("vigil_client.hub.time.sleep", waits.append)
    hub = Hub(
        "http://hub.invalid", "vigil_x_y", http=httpx.Client(transport=httpx.MockTransport(lambda r: next(answers)))
    )
    assert hub.organisation() == {"slug": "alpha-bank"}
    assert waits == [1.0]
    with pytest.raises(HubError, match="quota"):
        hub.organisation()
    assert waits == [1.0]
