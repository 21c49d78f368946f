"""Property test: a @tool's JSON Schema accepts exactly the arguments its validation accepts.

Hypothesis builds random typed signatures (nested models, enums, lists, dicts, tuples,
optionals, defaults, literals), then throws valid values, near misses and random JSON at
both the generated schema (``jsonschema``) and the tool's own validation (pydantic).
"""

from __future__ import annotations

import enum
import inspect
import itertools
import json
import keyword
from typing import Any, Literal, Optional

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from interlace.tools import tool

_names = itertools.count()
IDENT = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
JSON_LEAF = st.none() | st.booleans() | st.integers() | st.integers().map(float) | FLOATS | TEXT
ANY_JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


class Kind:
    """A type plus a strategy for valid JSON values of it."""

    def __init__(self, annotation: Any, values: st.SearchStrategy[Any]) -> None:
        self.annotation = annotation
        self.values = values


def leaf_kinds() -> st.SearchStrategy[Kind]:
    plain = st.sampled_from(
        [
            Kind(int, st.integers()),
            Kind(float, st.floats(allow_nan=False, allow_infinity=False) | st.integers()),
            Kind(str, TEXT),
            Kind(bool, st.booleans()),
        ]
    )
    return st.one_of(plain, enum_kinds(), literal_kinds())


@st.composite
def enum_kinds(draw: st.DrawFn) -> Kind:
    members = draw(st.lists(IDENT, min_size=1, max_size=4, unique=True))
    use_ints = draw(st.booleans())
    values: list[Any] = list(range(len(members))) if use_ints else members
    base = int if use_ints else str
    kind = enum.Enum(
        f"E{next(_names)}", {m.upper(): v for m, v in zip(members, values, strict=True)}, type=base
    )  # type: ignore[misc]
    return Kind(kind, st.sampled_from(values))


@st.composite
def literal_kinds(draw: st.DrawFn) -> Kind:
    values = draw(
        st.lists(st.integers(-3, 3) | IDENT | st.booleans(), min_size=1, max_size=3, unique=True)
    )
    values = [v for i, v in enumerate(values) if not any(_same_json(v, w) for w in values[:i])]
    return Kind(Literal[tuple(values)], st.sampled_from(values))


def _same_json(a: Any, b: Any) -> bool:
    return (a == b and type(a) is type(b)) or (
        a == b and not isinstance(a, bool) and not isinstance(b, bool)
    )


def extend(children: st.SearchStrategy[Kind]) -> st.SearchStrategy[Kind]:
    return st.one_of(
        children.map(lambda k: Kind(list[k.annotation], st.lists(k.values, max_size=3))),  # type: ignore[name-defined]
        children.map(
            lambda k: Kind(dict[str, k.annotation], st.dictionaries(TEXT, k.values, max_size=3))  # type: ignore[name-defined]
        ),
        children.map(lambda k: Kind(Optional[k.annotation], st.none() | k.values)),  # noqa: UP045
        st.tuples(children, children).map(
            lambda pair: Kind(
                tuple[pair[0].annotation, pair[1].annotation],  # type: ignore[name-defined]
                st.tuples(pair[0].values, pair[1].values).map(list),
            )
        ),
        st.lists(st.tuples(IDENT, children), min_size=1, max_size=3, unique_by=lambda f: f[0]).map(
            model_kind
        ),
    )


def model_kind(fields: list[tuple[str, Kind]]) -> Kind:
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"Nested{next(_names)}", **{name: (kind.annotation, ...) for name, kind in fields}
    )
    values = st.fixed_dictionaries({name: kind.values for name, kind in fields})
    return Kind(model, values)


KINDS = st.recursive(leaf_kinds(), extend, max_leaves=6)


@st.composite
def signatures(draw: st.DrawFn) -> tuple[Any, dict[str, Kind], set[str]]:
    names = draw(st.lists(IDENT, min_size=1, max_size=4, unique=True))
    params, kinds, optional = [], {}, set()
    for name in names:
        kind = draw(KINDS)
        kinds[name] = kind
        default: Any = inspect.Parameter.empty
        if draw(st.booleans()):
            default = draw(kind.values)
            optional.add(name)
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind.annotation
            )
        )

    def function(**kwargs: Any) -> str:
        return "ok"

    function.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    function.__annotations__ = {p.name: p.annotation for p in params}
    function.__name__ = f"generated_{next(_names)}"
    return function, kinds, optional


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, dict[str, Any]]:
    function, kinds, _optional = draw(signatures())
    arguments: dict[str, Any] = {}
    for name, kind in kinds.items():
        choice = draw(st.sampled_from(["valid", "valid", "near", "random", "skip"]))
        if choice == "valid":
            arguments[name] = draw(kind.values)
        elif choice == "near":
            arguments[name] = near_miss(draw(kind.values), draw(st.integers(0, 3)))
        elif choice == "random":
            arguments[name] = draw(ANY_JSON)
    if draw(st.integers(0, 9)) == 0:
        arguments[draw(IDENT) + "_extra"] = draw(ANY_JSON)
    # Arguments arrive as JSON: round-trip them (tuples become lists, and so on).
    return function, json.loads(json.dumps(arguments))


def near_miss(value: Any, how: int) -> Any:
    """A value close to a valid one: retyped numbers, strings of numbers, one item off."""
    if isinstance(value, bool):
        return [int(value), str(value).lower(), None, value][how]
    if isinstance(value, int | float):
        return [float(value), str(value), bool(value), int(value)][how]
    if isinstance(value, str):
        return [value.upper() + "x", len(value), [value], None][how]
    if isinstance(value, list):
        return [value[:-1], [*value, value[-1] if value else 0], {"0": value}, tuple(value)][how]
    if isinstance(value, dict):
        keys = list(value)
        changed = dict(value)
        if keys:
            changed[keys[0]] = near_miss(value[keys[0]], how)
        return [changed, {k: value[k] for k in keys[1:]}, [value], {**value, "zz": 1}][how]
    return [0, "", [], {}][how]


def accepted_by_schema(schema: dict[str, Any], arguments: dict[str, Any]) -> bool:
    try:
        jsonschema.validate(arguments, schema, cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError:
        return False
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_schema_accepts_exactly_what_validation_accepts(case: tuple[Any, dict[str, Any]]) -> None:
    function, arguments = case
    built = tool(function)
    jsonschema.Draft202012Validator.check_schema(built.parameters)
    try:
        built.validate(arguments)
        pydantic_ok = True
    except ValidationError:
        pydantic_ok = False
    schema_ok = accepted_by_schema(built.parameters, arguments)
    assert schema_ok == pydantic_ok, (
        f"schema says {schema_ok}, pydantic says {pydantic_ok}\n"
        f"schema: {json.dumps(built.parameters)}\narguments: {arguments!r}"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signatures(), st.data())
def test_valid_values_are_accepted_by_both(signature: Any, data: st.DataObject) -> None:
    function, kinds, optional = signature
    arguments = {
        name: data.draw(kind.values) for name, kind in kinds.items() if name not in optional
    }
    arguments = json.loads(json.dumps(arguments))
    built = tool(function)
    assert accepted_by_schema(built.parameters, arguments), json.dumps(built.parameters)
    built.validate(arguments)
    assert built.parameters.get("additionalProperties") is False


def test_nested_models_are_closed() -> None:
    class Inner(BaseModel):
        model_config = ConfigDict(extra="ignore")
        x: int

    @tool
    def f(inner: Inner) -> str:
        return "ok"

    assert f.parameters["$defs"]["Inner"]["additionalProperties"] is False
    assert not accepted_by_schema(f.parameters, {"inner": {"x": 1, "y": 2}})
    with pytest.raises(ValidationError, match=r"inner\.y"):
        f.validate({"inner": {"x": 1, "y": 2}})
