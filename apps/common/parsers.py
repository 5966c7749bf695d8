"""A JSON parser that refuses what would otherwise surface later as a server error."""

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest documented body (a report batch: items -> item -> policy -> list) is five levels.
MAX_JSON_DEPTH = 32


def _refusal(value: Any) -> str | None:
    """Why a parsed body is unacceptable, or None; iterative, so depth itself cannot overflow."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(node, Mapping):
            stack.extend((key, depth) for key in node)
            stack.extend((item, depth + 1) for item in node.values())
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str):
            # PostgreSQL text cannot hold NUL, and a lone surrogate cannot be encoded as UTF-8.
            if "\x00" in node:
                return "strings must not contain NUL (\\u0000)"
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "strings must be valid Unicode (no lone surrogates)"
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels") from None
        reason = _refusal(data)
        if reason:
            raise ParseError(f"JSON parse error - {reason}")
        return data
