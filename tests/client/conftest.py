"""The client's tests share the live hub of tests/client/test_cli.py (and the trustee processes of
tests/consortium.py, through tests/conftest.py)."""

from tests.client.test_cli import hub_env  # noqa: F401  (the fixture)
