"""Cursor pagination: stable under inserts, no page counts that leak totals, and cursors that are opaque.

A plain cursor carries the last row's sequential id; encrypting it keeps the hub's volume out of
members' sight while the database still pages by id.
"""

import base64
import hashlib
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param


@cache
def _fernet(secret: str) -> Fernet:
    key = hashlib.blake2b(secret.encode(), digest_size=32, person=b"vigil-cursor").digest()
    return Fernet(base64.urlsafe_b64encode(key))


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def encode_cursor(self, cursor: Cursor) -> str:
        url = super().encode_cursor(cursor)
        plain = parse_qs(urlsplit(url).query)[self.cursor_query_param][0]
        sealed = _fernet(settings.SECRET_KEY).encrypt(plain.encode()).decode()
        return replace_query_param(url, self.cursor_query_param, sealed)

    def decode_cursor(self, request: Request) -> Cursor | None:
        sealed = request.query_params.get(self.cursor_query_param)
        if sealed is None:
            return None
        try:
            plain = _fernet(settings.SECRET_KEY).decrypt(sealed.encode()).decode()
        except (InvalidToken, ValueError):
            raise NotFound(self.invalid_cursor_message) from None
        params: Any = request.query_params.copy()
        params[self.cursor_query_param] = plain
        return super().decode_cursor(SimpleNamespace(query_params=params))

    def get_schema_operation_parameters(self, view: object) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        # Both links are always present (null at either end), and a cursor is opaque.
        described["required"] = ["next", "previous", "results"]
        for link in ("next", "previous"):
            described["properties"][link]["example"] = (
                f"https://hub.example/api/v1/...?{self.cursor_query_param}=gAAAA..."
            )
        return described
