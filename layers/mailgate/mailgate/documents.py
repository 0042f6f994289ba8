"""Stored documents (scan reports, events, audit entries, Backup records, ...): one way to write and read them.

A document is a msgspec Struct (a Document, or a MutableDocument if it changes while a job runs). `to_dict()` is its
JSON-ready form, passed through the class's `_stored` hook where the stored form differs from the fields (a
rounded timing, a key left out when it is empty). `from_dict()` reads with msgspec.convert, not strict ("1.5"
reads as a float), ignoring the keys a newer writer added. Readers have always forgiven what an older or damaged
writer left: when the plain reading fails, the data is read again after `lenient()` has mended it (a null or
unreadable value takes the field's default or the class's `read_defaults`, a number where text belongs becomes
text). A top-level document carries a `version`.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

import msgspec

if TYPE_CHECKING:
    import msgspec.inspect as mi

Builtin = Callable[[Any], Any]
T = TypeVar("T")
_AS_THEY_ARE = frozenset({str, int, float, bool, type(None)})
UNREADABLE: Any = msgspec.UNSET  # what lenient() answers for a value only a default can replace


class Stored:
    """How a stored document is written and read, once (mixed into the Struct bases below)."""

    __slots__ = ()

    # What a reader takes for a required field that a stored document lacks or leaves unreadable (null, the
    # wrong type) where readers have always taken something rather than fail.
    read_defaults: ClassVar[Mapping[str, Any]] = {}

    def to_dict(self) -> dict[str, Any]:
        return _encoder(type(self))(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        data = cls._read(data)
        try:
            return msgspec.convert(data, cls, strict=False)
        except msgspec.ValidationError:
            mended = lenient(data, _kind(cls))
            return msgspec.convert({} if mended is UNREADABLE else mended, cls, strict=False)

    @classmethod
    def _stored(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The stored form from the builtins form of the fields (changed in place); the same by default."""
        return data

    @classmethod
    def _read(cls, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """The fields' builtins form from a stored form `_stored` changed; the same by default."""
        return data


class Document(Stored, msgspec.Struct, frozen=True):
    """A stored document: its fields are its contract, not to be changed once written."""


class MutableDocument(Stored, msgspec.Struct):
    """A stored document that a job changes in place while it runs (a directory synchronisation)."""


def _per_class(build: Callable[[type], T]) -> Callable[[type], T]:
    """`build` memoised by class (functools.cache, but typed for class arguments)."""
    built: dict[type, T] = {}

    def get(cls: type) -> T:
        if (found := built.get(cls)) is None:
            found = built[cls] = build(cls)
        return found

    return get


@_per_class
def _encoder(cls: type) -> Callable[[Any], dict[str, Any]]:
    """`cls`'s to_dict(), worked out once: its fields as a dict, each field that is not a plain value made
    builtin (a nested document by its own encoder, a tuple as a list: msgspec.to_builtins keeps tuples, and the
    readers of these dicts compare with lists), then the class's `_stored` hook."""
    made = ((f.name, _builtin_for(f.type)) for f in msgspec.structs.fields(cls))
    builtins = tuple((name, builtin) for name, builtin in made if builtin is not None)
    stored: Callable[[dict[str, Any]], dict[str, Any]] = getattr(cls, "_stored")  # noqa: B009 - typed here
    as_dict = msgspec.structs.asdict
    if not builtins and not any("_stored" in vars(c) for c in cls.__mro__ if c is not Stored):
        return as_dict

    def encode(document: Any) -> dict[str, Any]:
        data = as_dict(document)
        for name, builtin in builtins:
            data[name] = builtin(data[name])
        return stored(data)

    return encode


def _builtin_for(kind: Any) -> Builtin | None:
    """How a field of type `kind` becomes builtin; None where its value already is."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    plain = kind in _AS_THEY_ARE or origin is typing.Literal
    if origin in (typing.Union, types.UnionType):
        plain = all(a in _AS_THEY_ARE for a in args)
    builtin: Builtin | None = None if plain else _builtin
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]
        member = _builtin_for(args[0])
        builtin = list if member is None else functools.partial(_each, member)
    elif origin is list or origin is dict or kind is dict:
        builtin = list if origin is list else dict  # a copy: the document's own stays as it is
    elif isinstance(kind, type) and issubclass(kind, Stored):
        builtin = _encoder(kind)
    return builtin


def _builtin(value: Any) -> Any:
    """A value whose field type does not say (Any, a fixed tuple): made builtin by what it is."""
    kind = type(value)
    if kind is tuple or kind is list:
        value = [_builtin(v) for v in value]
    elif kind is dict:
        value = dict(value)
    elif isinstance(value, Stored):
        value = value.to_dict()
    elif isinstance(value, msgspec.Struct):
        value = msgspec.to_builtins(value)
    return value


def _each(builtin: Builtin, values: Any) -> list[Any]:
    return [builtin(v) for v in values]


@_per_class
def _kind(cls: type) -> mi.Type:
    import msgspec.inspect  # noqa: PLC0415 - only a damaged document needs it: not on the cold start

    return msgspec.inspect.type_info(cls)


def lenient(value: Any, kind: mi.Type) -> Any:
    """`value` mended toward `kind` as the hand-written readers mended it: text from any scalar, numbers from
    numeric text (or DynamoDB's Decimal), a null or unreadable member of a struct, list or object left out
    (UNREADABLE where `value` itself is such), so that a default stands in for it."""
    if value is None:
        return None if _optional(kind) else UNREADABLE
    mend = _menders().get(type(kind))
    return value if mend is None else mend(value, kind)


def _optional(kind: mi.Type) -> bool:
    import msgspec.inspect as mi  # noqa: PLC0415 - see _kind

    return isinstance(kind, mi.NoneType | mi.AnyType) or (
        isinstance(kind, mi.UnionType) and any(isinstance(k, mi.NoneType) for k in kind.types))


@functools.cache
def _menders() -> dict[Any, Callable[..., Any]]:
    import msgspec.inspect as mi  # noqa: PLC0415 - see _kind

    def union(value: Any, kind: mi.UnionType) -> Any:
        kinds = [k for k in kind.types if not isinstance(k, mi.NoneType)]
        return lenient(value, kinds[0]) if len(kinds) == 1 else value

    def struct(value: Any, kind: mi.StructType) -> Any:
        if not isinstance(value, Mapping):
            return UNREADABLE
        mended = _kept({f.encode_name: lenient(value[f.encode_name], f.type) for f in kind.fields
                        if f.encode_name in value})
        defaults = kind.cls.read_defaults if issubclass(kind.cls, Stored) else {}
        return {**_kept({f.encode_name: lenient(defaults[f.encode_name], f.type) for f in kind.fields
                         if f.encode_name in defaults and f.encode_name not in mended}), **mended}

    def mapping(value: Any, kind: mi.DictType) -> Any:
        if not isinstance(value, Mapping):
            return UNREADABLE
        return _kept({lenient(k, kind.key_type): lenient(v, kind.value_type) for k, v in value.items()})

    def sequence(value: Any, kind: mi.VarTupleType | mi.ListType) -> Any:
        if not isinstance(value, list | tuple):
            return UNREADABLE
        return [m for m in (lenient(v, kind.item_type) for v in value) if m is not UNREADABLE]

    def fixed(value: Any, kind: mi.TupleType) -> Any:
        if not isinstance(value, list | tuple) or len(value) != len(kind.item_types):
            return UNREADABLE
        members = [lenient(v, of) for v, of in zip(value, kind.item_types, strict=True)]
        return UNREADABLE if any(m is UNREADABLE for m in members) else members

    return {mi.UnionType: union, mi.StructType: struct, mi.DictType: mapping,
            mi.VarTupleType: sequence, mi.ListType: sequence, mi.TupleType: fixed,
            mi.StrType: lambda value, _kind: value if isinstance(value, str) else str(value),
            mi.IntType: lambda value, _kind: _number(value, int),
            mi.FloatType: lambda value, _kind: _number(value, float)}


def _number(value: Any, as_type: type[int] | type[float]) -> Any:
    try:
        return as_type(value)
    except (TypeError, ValueError, OverflowError):
        pass
    try:
        return as_type(float(value))  # int("2.0")
    except (TypeError, ValueError, OverflowError):
        return UNREADABLE


def _kept(members: dict[Any, Any]) -> dict[Any, Any]:
    return {k: v for k, v in members.items() if k is not UNREADABLE and v is not UNREADABLE}
