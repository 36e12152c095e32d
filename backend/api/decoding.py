"""Strict request bodies: decoded by msgspec straight into the schema, errors naming the field.

Litestar's own decoding coerces strings to numbers; ours does not, so a wrong type is an error.
"""

from __future__ import annotations

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
            return msgspec.json.decode(value, type=self.model_type, strict=True)
        except msgspec.ValidationError as error:
            raise invalid_input(str(error)) from error
        except msgspec.DecodeError as error:
            raise InvalidInput(f"the body is not valid JSON: {error}") from error


def invalid_input(text: str) -> InvalidInput:
    """msgspec's 'Expected `int`, got `str` - at `$.bookings[3].capacity`' as message and path."""
    match = _AT.match(text)
    assert match is not None  # the pattern matches any text
    # msgspec writes a dict value's key as "[...]"; the dict itself is the useful field.
    message, path = match["message"], (match["path"] or "").replace("[...]", "").lstrip(".")
    if named := _NAMED_FIELD.search(message):
        path = f"{path}.{named[1]}" if path else named[1]
    return InvalidInput(message, path or None)
