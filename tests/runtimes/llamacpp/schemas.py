"""Twenty tool schemas (nested objects, enums, arrays, optional fields, numbers) and prompts."""

from __future__ import annotations

from typing import Any

from interlace.protocols import ToolSpec

Schema = dict[str, Any]


def _obj(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


STR: Schema = {"type": "string", "maxLength": 40}
TOOLS: list[tuple[ToolSpec, str]] = [
    (
        ToolSpec(
            name="get_weather", description="Current weather.", parameters=_obj({"city": STR})
        ),
        "What is the weather in Paris?",
    ),
    (
        ToolSpec(
            name="convert_temperature",
            description="Convert a temperature.",
            parameters=_obj(
                {"value": {"type": "number"}, "unit": {"enum": ["celsius", "fahrenheit"]}}
            ),
        ),
        "Convert 30 degrees celsius to fahrenheit.",
    ),
    (
        ToolSpec(
            name="add",
            description="Add two integers.",
            parameters=_obj({"a": {"type": "integer"}, "b": {"type": "integer"}}),
        ),
        "What is 2 plus 3?",
    ),
    (
        ToolSpec(
            name="search",
            description="Search the web.",
            parameters=_obj(
                {"query": STR, "limit": {"type": "integer", "minimum": 1, "maximum": 20}},
                required=["query"],
            ),
        ),
        "Search for llama recipes.",
    ),
    (
        ToolSpec(
            name="send_email",
            description="Send an email.",
            parameters=_obj({"to": STR, "subject": STR, "urgent": {"type": "boolean"}}),
        ),
        "Email bob@example.com that the meeting moved.",
    ),
    (
        ToolSpec(
            name="create_event",
            description="Create a calendar event.",
            parameters=_obj(
                {
                    "title": STR,
                    "when": _obj(
                        {
                            "day": {"type": "integer", "minimum": 1, "maximum": 31},
                            "month": {"type": "integer", "minimum": 1, "maximum": 12},
                        }
                    ),
                }
            ),
        ),
        "Add a dentist appointment on March 3.",
    ),
    (
        ToolSpec(
            name="tag_photo",
            description="Tag a photo.",
            parameters=_obj(
                {
                    "photo_id": {"type": "integer"},
                    "tags": {"type": "array", "items": STR, "maxItems": 3},
                }
            ),
        ),
        "Tag photo 12 with beach and sunset.",
    ),
    (
        ToolSpec(
            name="set_light",
            description="Set a light's state.",
            parameters=_obj(
                {
                    "room": {"enum": ["kitchen", "bedroom", "hall"]},
                    "on": {"type": "boolean"},
                    "brightness": {"type": "number", "minimum": 0, "maximum": 1},
                },
                required=["room", "on"],
            ),
        ),
        "Turn on the kitchen light.",
    ),
    (
        ToolSpec(
            name="order_pizza",
            description="Order pizzas.",
            parameters=_obj(
                {
                    "items": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 2,
                        "items": _obj(
                            {"size": {"enum": ["small", "large"]}, "count": {"type": "integer"}}
                        ),
                    }
                }
            ),
        ),
        "Order two large pizzas.",
    ),
    (
        ToolSpec(name="get_time", description="The current time.", parameters=_obj({})),
        "What time is it?",
    ),
    (
        ToolSpec(
            name="translate",
            description="Translate text.",
            parameters=_obj({"text": STR, "target": {"enum": ["fr", "de", "es"]}}),
        ),
        "Translate 'good morning' to French.",
    ),
    (
        ToolSpec(
            name="book_flight",
            description="Book a flight.",
            parameters=_obj(
                {
                    "origin": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "destination": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    "passengers": {"type": "integer", "minimum": 1, "maximum": 9},
                }
            ),
        ),
        "Book a flight from JFK to LHR for 2 people.",
    ),
    (
        ToolSpec(
            name="rate_movie",
            description="Rate a movie.",
            parameters=_obj({"title": STR, "stars": {"type": "integer", "enum": [1, 2, 3, 4, 5]}}),
        ),
        "Give Inception five stars.",
    ),
    (
        ToolSpec(
            name="set_reminder",
            description="Set a reminder.",
            parameters=_obj(
                {
                    "text": STR,
                    "minutes": {"type": "integer", "minimum": 1},
                    "repeat": {"type": "boolean"},
                },
                required=["text", "minutes"],
            ),
        ),
        "Remind me to stretch in 30 minutes.",
    ),
    (
        ToolSpec(
            name="update_profile",
            description="Update a user profile.",
            parameters=_obj(
                {
                    "user": _obj({"name": STR, "age": {"type": "integer", "minimum": 0}}),
                    "newsletter": {"type": "boolean"},
                },
                required=["user"],
            ),
        ),
        "Set my name to Ada and age to 36.",
    ),
    (
        ToolSpec(
            name="compute_stats",
            description="Statistics of numbers.",
            parameters=_obj(
                {
                    "numbers": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 1,
                        "maxItems": 5,
                    },
                    "measure": {"enum": ["mean", "median", "max"]},
                }
            ),
        ),
        "What is the mean of 3, 5 and 10?",
    ),
    (
        ToolSpec(
            name="geocode",
            description="Coordinates of a place.",
            parameters=_obj(
                {"place": STR, "precision": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
                required=["place"],
            ),
        ),
        "Where is the Eiffel Tower?",
    ),
    (
        ToolSpec(
            name="move_robot",
            description="Move a robot arm.",
            parameters=_obj(
                {
                    "position": _obj(
                        {"x": {"type": "number"}, "y": {"type": "number"}, "z": {"type": "number"}}
                    ),
                    "speed": {"enum": ["slow", "fast"]},
                }
            ),
        ),
        "Move the arm to x 1, y 2, z 0.5 slowly.",
    ),
    (
        ToolSpec(
            name="create_issue",
            description="Open a bug report.",
            parameters=_obj(
                {
                    "title": STR,
                    "severity": {"enum": ["low", "medium", "high"]},
                    "labels": {
                        "type": "array",
                        "items": {"enum": ["bug", "ui", "crash"]},
                        "maxItems": 3,
                    },
                    "assignee": STR,
                },
                required=["title", "severity"],
            ),
        ),
        "File a high severity crash bug: app closes on start.",
    ),
    (
        ToolSpec(
            name="transfer_money",
            description="Transfer money between accounts.",
            parameters=_obj(
                {
                    "amount": {"type": "number", "exclusiveMinimum": 0},
                    "currency": {"type": "string", "enum": ["EUR", "USD"]},
                    "accounts": _obj({"source": STR, "target": STR}),
                    "note": STR,
                },
                required=["amount", "currency", "accounts"],
            ),
        ),
        "Send 25 euros from checking to savings.",
    ),
]
