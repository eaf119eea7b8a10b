"""openai response models that also read like EasyLLM's dicts: `response["choices"][0]["message"]["content"]`.

`readable(Model)` is a subclass of the SDK's own model (so `isinstance` holds and attributes work) whose
nested models are readable subclasses too. The SDK builds them with its own construct code, given the
class through `LegacyAPIResponse.parse(to=...)`; nothing is converted or copied after parsing. Only the
EasyLLM-compatible client uses them: the patched SDK keeps returning its plain models.

EasyLLM dumped its answers with `exclude_none=True`, so a field that is `None` reads as a missing key:
`delta.get("content", "")` gives `""` on a stream's role and closing chunks, as it did there.
"""

from __future__ import annotations

import copy
import functools
import operator
import types
import typing
from typing import Any, TypeVar

import pydantic

__all__ = ["DictReadable", "readable"]

_Model = TypeVar("_Model", bound=pydantic.BaseModel)
_MISSING: Any = object()


class DictReadable:
    """Item access, `get`, `in`, `keys`, `values` and `items` over a model's set (non-`None`) fields.

    Iterating stays pydantic's (field, value) pairs, so `dict(model)` keeps working.
    """

    __slots__ = ()

    def _value(self, key: object) -> Any:
        if not isinstance(key, str):
            return _MISSING
        model: Any = self
        # Fields the SDK's models do not declare (a server's extras) are kept in __pydantic_extra__.
        declared = key in type(model).model_fields
        value = getattr(model, key) if declared else (model.__pydantic_extra__ or {}).get(key)
        return _MISSING if value is None else value

    def __getitem__(self, key: str) -> Any:
        value = self._value(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        value = self._value(key)
        return default if value is _MISSING else value

    def __contains__(self, key: object) -> bool:
        return self._value(key) is not _MISSING

    def keys(self) -> list[str]:
        model: Any = self
        names = [*type(model).model_fields, *(model.__pydantic_extra__ or {})]
        return [name for name in names if self._value(name) is not _MISSING]

    def values(self) -> list[Any]:
        return [self[name] for name in self.keys()]

    def items(self) -> list[tuple[str, Any]]:
        return [(name, self[name]) for name in self.keys()]


@functools.cache
def readable(model: type[_Model]) -> type[_Model]:
    """The dict-readable subclass of an SDK model, its nested models (in lists, unions, ...) readable too."""
    namespace: dict[str, Any] = {"__module__": __name__, "__qualname__": model.__qualname__, "__annotations__": {}}
    for name, field in model.model_fields.items():
        annotation = _readable_type(field.annotation)
        if annotation is not field.annotation:
            replaced = copy.copy(field)
            replaced.annotation = annotation
            namespace["__annotations__"][name] = annotation
            namespace[name] = replaced
    return types.new_class(model.__name__, (DictReadable, model), exec_body=lambda ns: ns.update(namespace))


def _readable_type(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return readable(annotation)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is None or not arguments:
        return annotation
    replaced = tuple(_readable_type(argument) for argument in arguments)
    if all(new is old for new, old in zip(replaced, arguments, strict=True)):
        return annotation
    if origin is typing.Annotated:
        return operator.getitem(typing.Annotated, (replaced[0], *annotation.__metadata__))
    if origin is typing.Union or origin is types.UnionType:
        return typing.Union[replaced]  # noqa: UP007 (a runtime-built union)
    if origin is typing.Literal:
        return annotation
    return origin[replaced] if len(replaced) > 1 else origin[replaced[0]]
