"""A live webhook receiver per test."""

from collections.abc import Iterator

import pytest

from tests.routing.receiver import Receiver, start_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = start_receiver(Receiver())
    yield started
    started.server.shutdown()
    started.server.server_close()
