"""Each scanner's `details` as a declared structure: the scanner writes plain JSON into the scan report, and
the readers (the rules engine, the lists, notifications) convert it back with `read_details`, field by field,
so a malformed field (an older report, a bug) reads as that field's default instead of raising or hiding
the other fields."""

from __future__ import annotations

import contextlib
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec


class ScannerDetails(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """The base of every scanner's declared details."""


D = TypeVar("D", bound=msgspec.Struct)


def read_details(kind: type[D], details: Mapping[str, Any] | None) -> D:
    data = details if isinstance(details, Mapping) else {}
    fields: dict[str, Any] = {}
    for field in msgspec.structs.fields(kind):
        if field.encode_name not in data:
            continue
        value, wanted = data[field.encode_name], field.type
        element = _struct_element(wanted)
        if element is not None:  # a list of structures: keep the readable ones
            items = value if isinstance(value, list | tuple) else ()
            fields[field.name] = tuple(read_details(element, item) for item in items if isinstance(item, Mapping))
            continue
        with contextlib.suppress(msgspec.ValidationError, TypeError):
            fields[field.name] = (read_details(wanted, value) if _is_struct(wanted)
                                  else msgspec.convert(value, wanted, strict=False))
    return kind(**fields)


def _is_struct(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, msgspec.Struct)


def _struct_element(kind: Any) -> Any:
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis and _is_struct(args[0]):
        return args[0]
    return None
