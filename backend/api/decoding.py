"""Strict request bodies: decoded by msgspec straight into the schema, errors naming the field.

Litestar's own decoding coerces strings to numbers; ours does not, so a wrong type is an error.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec
from litestar.dto import DTOConfig, MsgspecDTO
from litestar.typing import FieldDefinition

from backend.errors import InvalidInput

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Reference, Schema

T = TypeVar("T")

_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]*)`")


class StrictBody(MsgspecDTO[T], Generic[T]):
    """Use as `dto=StrictBody[Schema], return_dto=None`; the schema also documents the body."""

    config = DTOConfig(max_nested_depth=2)

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        """Document the schema itself (the same model every handler decodes into)."""
        return schema_creator.for_field_definition(FieldDefinition.from_annotation(cls.model_type))

    def decode_bytes(self, value: bytes) -> Any:
        try:
            decoded = msgspec.json.decode(value, type=self.model_type, strict=True)
        except msgspec.ValidationError as error:
            raise invalid_input(str(error)) from error
        except msgspec.DecodeError as error:
            raise InvalidInput(f"the body is not valid JSON: {error}") from error
        reject_duplicate_keys(value)
        return decoded


class _Duplicate:
    """Stands in for an object that repeats `key`, with the path from that object down."""

    def __init__(self, key: str, path: str) -> None:
        self.key = key
        self.path = path


def reject_duplicate_keys(body: bytes) -> None:
    """msgspec keeps the last of a repeated key; a repeated key is more likely a mistake, so
    refuse it, naming it by its path (e.g. `bookings[2].name`)."""
    found = _find_duplicate(json.loads(body, object_pairs_hook=_object_duplicate))
    if found is not None:
        raise InvalidInput(f"the key `{found.key}` appears twice", found.path)


def _object_duplicate(pairs: list[tuple[str, Any]]) -> _Duplicate | None:
    """The parser's hook for each object, innermost first: only duplicates are kept."""
    seen: set[str] = set()
    for key, value in pairs:
        if key in seen:
            return _Duplicate(key, key)
        seen.add(key)
        inner = _find_duplicate(value)
        if inner is not None:
            return _Duplicate(inner.key, _join(key, inner.path))
    return None


def _find_duplicate(value: Any) -> _Duplicate | None:
    """The duplicate inside a parsed value (objects are already reduced to None or one)."""
    if isinstance(value, _Duplicate):
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            inner = _find_duplicate(item)
            if inner is not None:
                return _Duplicate(inner.key, _join(f"[{index}]", inner.path))
    return None


def _join(outer: str, inner: str) -> str:
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"


def invalid_input(text: str) -> InvalidInput:
    """msgspec's 'Expected `int`, got `str` - at `$.bookings[3].capacity`' as message and path."""
    match = _AT.match(text)
    assert match is not None  # the pattern matches any text
    # msgspec writes a dict value's key as "[...]"; the dict itself is the useful field.
    message, path = match["message"], (match["path"] or "").replace("[...]", "").lstrip(".")
    if named := _NAMED_FIELD.search(message):
        path = f"{path}.{named[1]}" if path else named[1]
    return InvalidInput(message, path or None)
