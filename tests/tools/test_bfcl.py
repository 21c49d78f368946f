"""The real-data check: BFCL v4 function definitions convert to ToolSpecs and the
ground-truth answers validate against them (``bfcl-eval==2026.3.23``, installed with
``pip install --no-deps``).

Counts (2026.3.23): 2,311 entries, 6,113 function definitions, 0 conversion failures,
3,058 ground-truth calls; 46 calls in 44 entries do not validate because the ground truth
disagrees with its own definition. Those are listed below with the reason, so a change
in either direction fails this test.
"""

from __future__ import annotations

import jsonschema
import pytest

from interlace.tools import bfcl

EXPECTED_COUNTS = {  # category: (entries, functions)
    "simple_python": (400, 400),
    "multiple": (200, 557),
    "parallel": (200, 200),
    "parallel_multiple": (200, 520),
    "live_simple": (258, 258),
    "live_multiple": (1053, 4178),
}

# Ground truth that contradicts its own function definition (checked by hand).
GROUND_TRUTH_MISMATCHES = {
    "simple_python_149": "value of a type the definition does not allow",
    "simple_python_307": "value of a type the definition does not allow",
    "simple_python_358": "value outside the declared enum",
    "multiple_76": "value outside the declared enum",
    "parallel_152": "value of a type the definition does not allow",
    "parallel_multiple_12": "parameter not in the definition",
    "parallel_multiple_21": "value of a type the definition does not allow",
    "parallel_multiple_26": "parameter not in the definition",
    "parallel_multiple_94": "value of a type the definition does not allow",
    "parallel_multiple_143": "value outside the declared enum",
    "parallel_multiple_173": "value outside the declared enum",
    "parallel_multiple_194": "value outside the declared enum",
    "live_simple_106-63-0": "required parameter left out",
    "live_simple_112-68-0": "required parameter left out",
    "live_multiple_87-38-4": "value outside the declared enum",
    "live_multiple_189-83-0": "parameter not in the definition",
    "live_multiple_301-131-0": "value of a type the definition does not allow",
    "live_multiple_302-131-1": "value of a type the definition does not allow",
    "live_multiple_303-131-2": "value of a type the definition does not allow",
    "live_multiple_304-131-3": "value of a type the definition does not allow",
    "live_multiple_306-131-5": "value of a type the definition does not allow",
    "live_multiple_307-131-6": "value of a type the definition does not allow",
    "live_multiple_308-131-7": "value of a type the definition does not allow",
    "live_multiple_507-149-4": "required parameter left out",
    "live_multiple_552-153-1": "value of a type the definition does not allow",
    "live_multiple_553-153-2": "value of a type the definition does not allow",
    "live_multiple_595-158-1": "value of a type the definition does not allow",
    "live_multiple_596-158-2": "value of a type the definition does not allow",
    "live_multiple_731-167-2": "value of a type the definition does not allow",
    "live_multiple_732-167-3": "value of a type the definition does not allow",
    "live_multiple_733-167-4": "value of a type the definition does not allow",
    "live_multiple_734-167-5": "value of a type the definition does not allow",
    "live_multiple_735-167-6": "value of a type the definition does not allow",
    "live_multiple_736-167-7": "value of a type the definition does not allow",
    "live_multiple_737-167-8": "value of a type the definition does not allow",
    "live_multiple_750-169-5": "value outside the declared enum",
    "live_multiple_755-169-10": "value outside the declared enum",
    "live_multiple_756-169-11": "value outside the declared enum",
    "live_multiple_835-178-10": "value outside the declared enum",
    "live_multiple_862-181-3": "parameter not in the definition",
    "live_multiple_870-182-7": "value outside the declared enum",
    "live_multiple_871-182-8": "value outside the declared enum",
    "live_multiple_947-197-0": "value outside the declared enum",
    "live_multiple_964-207-0": "parameter not in the definition",
}


def test_every_definition_converts() -> None:
    for category, (entries_expected, functions_expected) in EXPECTED_COUNTS.items():
        entries, failures = bfcl.load_category(category)
        assert failures == [], f"{category}: {failures[:5]}"
        assert len(entries) == entries_expected
        assert sum(len(entry.specs) for entry in entries) == functions_expected
        for entry in entries:
            for spec in entry.specs:
                jsonschema.Draft202012Validator.check_schema(spec.parameters)
                assert spec.parameters["type"] == "object"


def test_ground_truth_answers_validate() -> None:
    calls = 0
    mismatched: dict[str, list[str]] = {}
    for category in EXPECTED_COUNTS:
        entries, _ = bfcl.load_category(category)
        answers = bfcl.load_answers(category)
        assert set(answers) == {entry.id for entry in entries}
        for entry in entries:
            specs = {spec.name: spec for spec in entry.specs}
            for call in answers[entry.id]:
                calls += 1
                problems = bfcl.answer_problems(specs, call)
                if problems:
                    mismatched.setdefault(entry.id, []).extend(problems)
    assert calls == 3058
    unexpected = {
        key: value for key, value in mismatched.items() if key not in GROUND_TRUTH_MISMATCHES
    }
    assert not unexpected, f"answers that should validate do not: {unexpected}"
    fixed = set(GROUND_TRUTH_MISMATCHES) - set(mismatched)
    assert not fixed, f"listed as mismatches but validate now: {fixed}"


def test_gorilla_types_map_to_json_schema() -> None:
    spec = bfcl.function_spec(
        {
            "name": "demo.f",
            "description": "Demo.",
            "parameters": {
                "type": "dict",
                "properties": {
                    "ratio": {"type": "float"},
                    "point": {"type": "tuple", "items": {"type": "integer"}},
                    "blob": {"type": "any"},
                    "tags": {"type": "array", "items": {"type": "string"}, "enum": ["a", "b"]},
                    "year": {"type": "integer", "default": "dontcare"},
                    "note": {"type": "string", "optional": True, "default": None},
                    "opts": {"type": "dict", "properties": {"x": {"type": "boolean"}}},
                },
                "required": ["ratio"],
            },
        }
    )
    properties = spec.parameters["properties"]
    assert spec.name == "demo.f"
    assert spec.parameters["additionalProperties"] is False
    assert properties["ratio"] == {"type": "number"}
    assert properties["point"] == {"type": "array", "items": {"type": "integer"}}
    assert properties["blob"] == {}
    assert properties["tags"] == {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}
    assert properties["year"]["anyOf"] == [{"type": "integer"}, {"const": "dontcare"}]
    assert properties["note"]["anyOf"] == [{"type": "string"}, {"const": None}]
    assert properties["opts"]["additionalProperties"] is False
    validator = jsonschema.Draft202012Validator(spec.parameters)
    assert validator.is_valid({"ratio": 2, "year": "dontcare", "note": None, "tags": ["a"]})
    assert not validator.is_valid({"ratio": "2"})
    assert not validator.is_valid({"ratio": 1, "tags": ["c"]})
    assert not validator.is_valid({"ratio": 1, "extra": 1})


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"type": "dict", "properties": {"a": {"type": "complex"}}}, "unknown Gorilla type"),
        (
            {"type": "dict", "properties": {"a": {"type": "string", "pattern": "x"}}},
            "unsupported keyword",
        ),
        ({"type": "dict", "properties": {}, "required": ["a"]}, "not among the properties"),
        ({"type": "string"}, "not an object"),
    ],
)
def test_unconvertible_definitions_say_why(parameters: dict[str, object], message: str) -> None:
    with pytest.raises(bfcl.BfclConversionError, match=message):
        bfcl.function_spec({"name": "f", "parameters": parameters})


def test_answer_form_with_nested_dicts_and_omissions() -> None:
    spec = bfcl.function_spec(
        {
            "name": "f",
            "parameters": {
                "type": "dict",
                "properties": {
                    "n": {"type": "integer"},
                    "opt": {"type": "string"},
                    "d": {"type": "dict", "properties": {"k": {"type": "string"}}},
                },
                "required": ["n"],
            },
        }
    )
    good = {"f": {"n": [1, 1.0], "opt": ["", "x"], "d": [{"k": ["v", "w"]}]}}
    assert bfcl.answer_problems({"f": spec}, good) == []
    bad = {"f": {"n": ["one"], "d": [{"k": [3]}]}}
    problems = bfcl.answer_problems({"f": spec}, bad)
    assert any("'one' is not of type 'integer'" in p for p in problems)
    assert any("3 is not of type 'string'" in p for p in problems)
    assert bfcl.answer_problems({"f": spec}, {"g": {}}) == ["no function 'g' in the entry"]
