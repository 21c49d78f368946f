"""Typed Python functions as tools: the ``@tool`` decorator and :class:`FunctionToolset`."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import anyio
import anyio.to_thread
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from interlace.protocols import (
    AudioPart,
    ImagePart,
    ResourcePart,
    TextPart,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from interlace.protocols.errors import ControlFlow, UsageError
from interlace.protocols.peer import PeerCapabilityError

from .base import Toolset, unknown_tool
from .context import current_run
from .docstrings import parse_docstring
from .schema import (
    arguments_model,
    call_arguments,
    context_parameter,
    model_parameters,
    schema_may_refuse_more,
    type_hints,
)

PARTS = (TextPart, ImagePart, AudioPart, ResourcePart)
"""Content parts a tool may return as they are (alone or in a list)."""

_ANY = TypeAdapter[Any](Any)


@dataclass(frozen=True, eq=False)
class Tool:
    """A typed function plus the schema a model sees; build one with :func:`tool`.

    Calling the ``Tool`` object calls the function unchanged; :meth:`run` is the checked
    path a toolset uses: it validates arguments, applies the timeout and turns every
    failure into a ``ToolResult`` with ``is_error=True``.
    """

    function: Callable[..., Any]
    name: str
    description: str
    arguments: type[BaseModel]
    parameters: dict[str, Any] = field(repr=False)
    requires_approval: bool = False
    timeout_s: float | None = None
    strict: bool = True
    idempotent: bool = False
    context: str | None = None
    """The parameter that receives the :class:`~interlace.tools.context.RunContext`."""

    @property
    def spec(self) -> ToolSpec:
        """The spec a model sees."""
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def validate(self, arguments: Mapping[str, Any]) -> BaseModel:
        """Validate ``arguments`` as the schema describes them (raises ``ValidationError``).

        Strict tools validate the JSON form strictly, so they accept exactly what the
        schema accepts (no ``"5"`` for an integer; ``2.0`` is the JSON number 2, as in
        JSON Schema).
        """
        if self.strict:
            data = json_numbers(dict(arguments))
            validated = self.arguments.model_validate_json(
                json.dumps(data), strict=True, extra="forbid"
            )
            if self._schema_is_stricter:
                self._check_schema(data)  # after pydantic, whose messages read better
            return validated
        return self.arguments.model_validate(dict(arguments), extra="forbid")

    @functools.cached_property
    def _schema_is_stricter(self) -> bool:
        """Whether the schema may refuse what strict pydantic accepts (decided once)."""
        return schema_may_refuse_more(self.parameters)

    @functools.cached_property
    def _is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.function)

    @functools.cached_property
    def _schema_validator(self) -> Any:
        import jsonschema

        return jsonschema.Draft202012Validator(self.parameters)

    def _check_schema(self, data: dict[str, Any]) -> None:
        """Refuse what the schema refuses even where pydantic is lenient (it takes JSON
        ``false`` for an enum member whose value is ``0``)."""
        import jsonschema.exceptions

        error = jsonschema.exceptions.best_match(self._schema_validator.iter_errors(data))
        if error is not None:
            detail = InitErrorDetails(
                type=PydanticCustomError("json_schema", error.message),
                loc=tuple(error.absolute_path),
                input=error.instance,
            )
            raise ValidationError.from_exception_data(self.arguments.__name__, [detail])

    async def invoke(self, arguments: Mapping[str, Any]) -> Any:
        """Validate and call; exceptions propagate (no timeout)."""
        validated = self.validate(arguments)
        kwargs = call_arguments(validated)
        if self.context is not None:
            kwargs[self.context] = current_run()
        if self._is_async:
            return await self.function(**kwargs)
        call = functools.partial(self.function, **kwargs)
        result = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        if inspect.isawaitable(result):
            return await result
        return result

    async def run(self, call: ToolCall) -> ToolResult:
        """Run ``call``; never raises for a failing tool (control-flow signals such as
        :class:`~interlace.protocols.peer.InputRequired` pass through)."""
        try:
            if self.timeout_s is None:
                value = await self.invoke(call.arguments)
            else:
                with anyio.move_on_after(self.timeout_s) as scope:
                    value = await self.invoke(call.arguments)
                if scope.cancelled_caught:
                    message = f"tool {self.name!r} timed out after {self.timeout_s:g}s"
                    return self._error(call, message)
        except ValidationError as error:
            return self._error(call, validation_message(self.name, error))
        except (ControlFlow, PeerCapabilityError):
            raise  # the client must answer first, or cannot: the request's concern, not the tool's
        except Exception as error:
            return self._error(call, f"tool {self.name!r} failed: {type(error).__name__}: {error}")
        try:
            return to_result(call, value)
        except Exception as error:
            return self._error(
                call, f"tool {self.name!r} returned an unserializable value: {error}"
            )

    def _error(self, call: ToolCall, message: str) -> ToolResult:
        return ToolResult(tool_call_id=call.id, name=call.name, content=message, is_error=True)


def json_numbers(value: Any) -> Any:
    """Integral floats as ints, recursively: JSON (and JSON Schema) has one number type.

    JSON Schema 2020-12 counts any number with a zero fractional part as an integer, so
    ``3.0`` becomes ``3`` at every size. Beyond 2**53 a float no longer tells neighbouring
    integers apart: ``9007199254740993.0`` was already ``9007199254740992.0`` when the JSON
    was parsed, and that is the integer the tool receives. Models that need exact large
    integers must send them without a fractional part (``9007199254740993``), which parses
    exactly.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: json_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_numbers(item) for item in value]
    return value


def validation_message(name: str, error: ValidationError) -> str:
    """A short, model-readable account of what is wrong with the arguments."""
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "(arguments)"
        problems.append(f"{where}: {item['msg']}")
    return (
        f"invalid arguments for tool {name!r}: " + "; ".join(problems) + ". "
        "Call it again with arguments that match its parameter schema."
    )


def to_result(call: ToolCall, value: Any) -> ToolResult:
    """Turn a tool's return value into a ``ToolResult`` answering ``call``."""
    base = {"tool_call_id": call.id, "name": call.name}
    if isinstance(value, ToolResult):
        return value.model_copy(update=base)
    if isinstance(value, str):
        return ToolResult(**base, content=value)
    if isinstance(value, PARTS):
        return ToolResult(**base, content=(value,))
    if isinstance(value, list | tuple) and value and all(isinstance(p, PARTS) for p in value):
        return ToolResult(**base, content=tuple(value))
    data = _ANY.dump_python(value, mode="json")
    structured = data if isinstance(data, dict) else None
    return ToolResult(**base, content=json.dumps(data, ensure_ascii=False), structured=structured)


@overload
def tool(
    function: Callable[..., Any],
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_approval: bool = False,
    timeout_s: float | None = None,
    strict: bool = True,
    idempotent: bool = False,
) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    requires_approval: bool = False,
    timeout_s: float | None = None,
    strict: bool = True,
    idempotent: bool = False,
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_approval: bool = False,
    timeout_s: float | None = None,
    strict: bool = True,
    idempotent: bool = False,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Turn a typed function (sync or async) into a :class:`Tool`.

    Use as ``@tool`` or ``@tool(requires_approval=True, timeout_s=5)``. The schema comes
    from the type hints, the descriptions from the docstring (Google, numpy or Sphinx
    style). ``strict=False`` lets pydantic coerce (``"5"`` to ``5``) instead.
    ``idempotent=True`` marks a tool that is safe to run again after a crash.
    """
    # Names local to the defining function (a model class defined next to the tool).
    localns = dict(sys._getframe(1).f_locals)

    def build(target: Callable[..., Any]) -> Tool:
        if isinstance(target, Tool):
            return target
        if not callable(target):
            raise UsageError(f"@tool needs a function, got {type(target).__name__}")
        if timeout_s is not None and timeout_s <= 0:
            raise UsageError(f"timeout_s must be positive, got {timeout_s}")
        tool_name = name or getattr(target, "__name__", "")
        if not tool_name or tool_name == "<lambda>":
            raise UsageError("this callable has no usable name; pass @tool(name=...)")
        doc = parse_docstring(inspect.getdoc(target))
        model = arguments_model(target, tool_name, doc.params, localns)
        context = context_parameter(type_hints(target, tool_name, localns))
        return Tool(
            function=target,
            name=tool_name,
            description=description if description is not None else doc.summary,
            arguments=model,
            parameters=model_parameters(model),
            requires_approval=requires_approval,
            timeout_s=timeout_s,
            strict=strict,
            idempotent=idempotent,
            context=context,
        )

    if function is not None:
        return build(function)
    return build


class FunctionToolset(Toolset):
    """A toolset of :class:`Tool` objects (plain functions are wrapped with ``@tool``)."""

    def __init__(self, tools: Iterable[Tool | Callable[..., Any]] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for item in tools:
            built = item if isinstance(item, Tool) else tool(item)
            if built.name in self._tools:
                raise UsageError(
                    f"two tools are named {built.name!r}; tool names must be unique in a "
                    "toolset (rename one with @tool(name=...))"
                )
            self._tools[built.name] = built

    @property
    def tools(self) -> Mapping[str, Tool]:
        """The tools by name."""
        return dict(self._tools)

    async def list_tools(self) -> Sequence[ToolSpec]:
        return [item.spec for item in self._tools.values()]

    async def call(self, call: ToolCall) -> ToolResult:
        found = self._tools.get(call.name)
        if found is None:
            return unknown_tool(call, self._tools)
        return await found.run(call)

    def requires_approval(self, name: str) -> bool:
        found = self._tools.get(name)
        return found.requires_approval if found is not None else False

    def is_idempotent(self, name: str) -> bool:
        found = self._tools.get(name)
        return found.idempotent if found is not None else False
