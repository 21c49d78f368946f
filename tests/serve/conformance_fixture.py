"""The fixture tools, resources and prompts the MCP conformance suite calls, written on
interlace's own interfaces: a Toolset that is also a resource and prompt provider, and
tools that use the request's peer (progress, logs, elicitation, sampling, roots).

Names follow the SDKs' everything-servers. Whatever a scenario needs that interlace does
not offer is listed, with its reason, in the baseline files next to this one.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio

from interlace.protocols import (
    AudioPart,
    ImagePart,
    Message,
    ModelRequest,
    ResourcePart,
    TextPart,
    ToolCall,
    ToolResult,
    ToolSpec,
)
from interlace.protocols.catalog import (
    PromptArgument,
    PromptResult,
    PromptSpec,
    Resource,
    ResourceContents,
    ResourceTemplate,
)
from interlace.protocols.peer import (
    Elicitation,
    Elicited,
    RootsQuery,
    Sampling,
    current_peer,
    elicit,
    log,
    report_progress,
    sample,
)
from interlace.tools.base import Toolset

# a 1x1 red PNG and a tiny WAV
RED_PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIA"
    "X8jx0gAAAABJRU5ErkJggg=="
)
WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="
NO_ARGUMENTS = {"type": "object", "properties": {}, "additionalProperties": False}
SCHEMA_2020_12 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}
HEADERS_SCHEMA = {
    "type": "object",
    "properties": {
        "region": {"type": "string", "x-mcp-header": "Region"},
        "priority": {"type": "integer", "x-mcp-header": "Priority"},
        "query": {"type": "string"},
    },
    "required": ["region", "priority", "query"],
}
NAME_FORM = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
OK_FORM = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
Handler = Callable[[dict[str, Any]], Awaitable[Any]]


def _args(**properties: str) -> dict[str, Any]:
    fields = {name: {"type": "string", "description": about} for name, about in properties.items()}
    return {"type": "object", "properties": fields, "required": list(properties)}


def _form(**fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": fields}


DEFAULTS_FORM = _form(
    name={"type": "string", "default": "John Doe"},
    age={"type": "integer", "default": 30},
    score={"type": "number", "default": 95.5},
    status={"type": "string", "enum": ["active", "inactive", "pending"], "default": "active"},
    verified={"type": "boolean", "default": True},
)
ENUMS_FORM = _form(
    untitledSingle={"type": "string", "enum": ["option1", "option2", "option3"]},
    titledSingle={
        "type": "string",
        "oneOf": [
            {"const": "value1", "title": "First Option"},
            {"const": "value2", "title": "Second Option"},
            {"const": "value3", "title": "Third Option"},
        ],
    },
    legacyEnum={
        "type": "string",
        "enum": ["opt1", "opt2", "opt3"],
        "enumNames": ["Option One", "Option Two", "Option Three"],
    },
    untitledMulti={
        "type": "array",
        "items": {"type": "string", "enum": ["option1", "option2", "option3"]},
    },
    titledMulti={
        "type": "array",
        "items": {
            "anyOf": [
                {"const": "value1", "title": "First Choice"},
                {"const": "value2", "title": "Second Choice"},
                {"const": "value3", "title": "Third Choice"},
            ]
        },
    },
)


async def _answered(action: str, content: Mapping[str, Any]) -> str:
    return f"Elicitation completed: action={action}, content={json.dumps(dict(content))}"


class ConformanceToolset(Toolset):
    """The scenario tools, resources and prompts (see the module docstring)."""

    def __init__(self) -> None:
        self.extra_tools = 0
        self.extra_prompts = 0
        self.handlers: dict[str, tuple[str, dict[str, Any], Handler]] = {
            "test_simple_text": ("Returns text.", NO_ARGUMENTS, self._simple_text),
            "test_image_content": ("Returns an image.", NO_ARGUMENTS, self._image),
            "test_audio_content": ("Returns audio.", NO_ARGUMENTS, self._audio),
            "test_embedded_resource": ("Returns a document.", NO_ARGUMENTS, self._document),
            "test_multiple_content_types": ("Returns all kinds.", NO_ARGUMENTS, self._mixed),
            "test_error_handling": ("Always fails.", NO_ARGUMENTS, self._error),
            "json_schema_2020_12_tool": ("JSON Schema 2020-12.", SCHEMA_2020_12, self._echo_args),
            "test_custom_headers": ("Mirrors x-mcp-header.", HEADERS_SCHEMA, self._echo_args),
            "test_tool_with_logging": ("Logs three lines.", NO_ARGUMENTS, self._logging),
            "test_logging_tool": ("Logs one line.", NO_ARGUMENTS, self._logging),
            "test_tool_with_progress": ("Reports progress.", NO_ARGUMENTS, self._progress),
            "test_sampling": (
                "Asks the client's model.",
                _args(prompt="the prompt"),
                self._sampling,
            ),
            "test_elicitation": (
                "Asks the user.",
                _args(message="the question"),
                self._elicitation,
            ),
            "test_elicitation_sep1034_defaults": (
                "Form with defaults.",
                NO_ARGUMENTS,
                self._defaults,
            ),
            "test_elicitation_sep1330_enums": ("Form with enums.", NO_ARGUMENTS, self._enums),
            "test_streaming_elicitation": ("Asks mid-call.", NO_ARGUMENTS, self._ask_name),
            "test_missing_capability": ("Needs sampling.", NO_ARGUMENTS, self._needs_sampling),
            "test_input_required_result_elicitation": (
                "Asks a name.",
                NO_ARGUMENTS,
                self._ask_name,
            ),
            "test_input_required_result_sampling": ("Samples.", NO_ARGUMENTS, self._ask_capital),
            "test_input_required_result_list_roots": ("Lists roots.", NO_ARGUMENTS, self._roots),
            "test_input_required_result_request_state": ("State.", NO_ARGUMENTS, self._confirm),
            "test_input_required_result_tampered_state": ("State.", NO_ARGUMENTS, self._confirm),
            "test_input_required_result_multiple_inputs": ("Three.", NO_ARGUMENTS, self._three),
            "test_input_required_result_multi_round": (
                "Two rounds.",
                NO_ARGUMENTS,
                self._two_rounds,
            ),
            "test_input_required_result_capabilities": (
                "What it can.",
                NO_ARGUMENTS,
                self._capable,
            ),
            "test_trigger_tool_change": ("Adds a tool.", NO_ARGUMENTS, self._more_tools),
            "test_trigger_prompt_change": ("Adds a prompt.", NO_ARGUMENTS, self._more_prompts),
        }

    # --- the Toolset interface ------------------------------------------------------------

    async def list_tools(self) -> Sequence[ToolSpec]:
        specs = [
            ToolSpec(name=name, description=about, parameters=schema)
            for name, (about, schema, _) in self.handlers.items()
        ]
        specs += [
            ToolSpec(name=f"test_added_tool_{n}", description="Added.")
            for n in range(self.extra_tools)
        ]
        return specs

    async def call(self, call: ToolCall) -> ToolResult:
        def result(content: Any, is_error: bool = False) -> ToolResult:
            return ToolResult(
                tool_call_id=call.id, name=call.name, content=content, is_error=is_error
            )

        entry = self.handlers.get(call.name)
        if entry is None:
            return result(f"added tool {call.name}")
        value = await entry[2](call.arguments)
        if isinstance(value, ToolResult):
            return value.model_copy(update={"tool_call_id": call.id, "name": call.name})
        return result(value)

    # --- tools ----------------------------------------------------------------------------

    async def _simple_text(self, arguments: dict[str, Any]) -> Any:
        return "This is a simple text response for testing."

    async def _image(self, arguments: dict[str, Any]) -> Any:
        return (ImagePart(url=f"data:image/png;base64,{RED_PIXEL}"),)

    async def _audio(self, arguments: dict[str, Any]) -> Any:
        return (AudioPart(data=WAV, mime_type="audio/wav"),)

    async def _document(self, arguments: dict[str, Any]) -> Any:
        text = "This is an embedded resource content."
        return (ResourcePart(uri="test://embedded-resource", mime_type="text/plain", text=text),)

    async def _mixed(self, arguments: dict[str, Any]) -> Any:
        data = json.dumps({"test": "data", "value": 123})
        return (
            TextPart(text="Multiple content types test:"),
            ImagePart(url=f"data:image/png;base64,{RED_PIXEL}"),
            ResourcePart(
                uri="test://mixed-content-resource", mime_type="application/json", text=data
            ),
        )

    async def _error(self, arguments: dict[str, Any]) -> Any:
        return ToolResult(
            tool_call_id="-",
            name="-",
            content="This tool intentionally returns an error for testing",
            is_error=True,
        )

    async def _echo_args(self, arguments: dict[str, Any]) -> Any:
        return json.dumps(arguments, sort_keys=True)

    async def _logging(self, arguments: dict[str, Any]) -> Any:
        for line in ("Tool execution started", "Tool processing data", "Tool execution completed"):
            await log("info", line)
            await anyio.sleep(0.05)
        return "Tool with logging executed successfully"

    async def _progress(self, arguments: dict[str, Any]) -> Any:
        for done in (0, 50, 100):
            await report_progress(done, 100, f"Completed step {done} of 100")
            await anyio.sleep(0.05)
        return "Progress completed"

    async def _sampling(self, arguments: dict[str, Any]) -> Any:
        request = ModelRequest(messages=(Message.user(arguments["prompt"]),))
        answer = await sample(
            request.model_copy(
                update={"settings": request.settings.model_copy(update={"max_tokens": 100})}
            )
        )
        return f"LLM response: {answer.message.text}"

    async def _elicitation(self, arguments: dict[str, Any]) -> Any:
        form = _form(response={"type": "string", "description": "User's response"})
        answer = await elicit(arguments["message"], form, key="user_response")
        return f"User response: action={answer.action}, content={json.dumps(answer.content)}"

    async def _defaults(self, arguments: dict[str, Any]) -> Any:
        answer = await elicit(
            "Please review and update the form fields with defaults", DEFAULTS_FORM, key="defaults"
        )
        return await _answered(answer.action, answer.content)

    async def _enums(self, arguments: dict[str, Any]) -> Any:
        answer = await elicit("Please select options from the enum fields", ENUMS_FORM, key="enums")
        return await _answered(answer.action, answer.content)

    async def _ask_name(self, arguments: dict[str, Any]) -> Any:
        answer = await elicit("What is your name?", NAME_FORM, key="user_name")
        return f"Hello, {answer.content.get('name', 'nobody')}!"

    async def _needs_sampling(self, arguments: dict[str, Any]) -> Any:
        answer = await sample(ModelRequest(messages=(Message.user("Say hi"),)), key="needed")
        return answer.message.text

    async def _ask_capital(self, arguments: dict[str, Any]) -> Any:
        request = ModelRequest(messages=(Message.user("What is the capital of France?"),))
        answer = await sample(request, key="capital_question")
        return f"Sampling result: {answer.message.text}"

    async def _roots(self, arguments: dict[str, Any]) -> Any:
        peer = current_peer()
        assert peer is not None
        roots = (await peer.ask({"client_roots": RootsQuery()}))["client_roots"]
        assert isinstance(roots, tuple)
        return f"Found {len(roots)} root(s): {', '.join(root.uri for root in roots)}"

    async def _confirm(self, arguments: dict[str, Any]) -> Any:
        answer = await elicit("Please confirm", OK_FORM, key="confirm")
        return f"state-ok: confirmed={answer.content.get('ok')}"

    async def _three(self, arguments: dict[str, Any]) -> Any:
        peer = current_peer()
        assert peer is not None
        greeting = ModelRequest(messages=(Message.user("Generate a greeting"),))
        questions = {
            "user_name": Elicitation(message="What is your name?", requested_schema=NAME_FORM),
            "greeting": Sampling(request=greeting),
            "client_roots": RootsQuery(),
        }
        answers = await peer.ask(questions)
        name = answers["user_name"]
        assert isinstance(name, Elicited)
        return f"All inputs received for {name.content.get('name')}"

    async def _two_rounds(self, arguments: dict[str, Any]) -> Any:
        name = await elicit("Step 1: What is your name?", NAME_FORM, key="step1")
        color_form = {
            "type": "object",
            "properties": {"color": {"type": "string"}},
            "required": ["color"],
        }
        color = await elicit("Step 2: What is your favorite color?", color_form, key="step2")
        return f"{name.content.get('name')} likes {color.content.get('color')}"

    async def _capable(self, arguments: dict[str, Any]) -> Any:
        peer = current_peer()
        assert peer is not None
        options = {
            "user_name": Elicitation(message="What is your name?", requested_schema=NAME_FORM),
            "greeting": Sampling(request=ModelRequest(messages=(Message.user("Hi"),))),
        }
        wanted = {key: q for key, q in options.items() if peer.can_ask(q)}
        await peer.ask(wanted)
        return f"asked {', '.join(wanted) or 'nothing'}"

    async def _more_tools(self, arguments: dict[str, Any]) -> Any:
        self.extra_tools += 1
        return "added a tool"

    async def _more_prompts(self, arguments: dict[str, Any]) -> Any:
        self.extra_prompts += 1
        return "added a prompt"

    # --- resources ------------------------------------------------------------------------

    async def list_resources(self) -> Sequence[Resource]:
        return [
            Resource(uri="test://static-text", name="static-text", mime_type="text/plain"),
            Resource(uri="test://static-binary", name="static-binary", mime_type="image/png"),
            Resource(uri="test://watched-resource", name="watched", mime_type="text/plain"),
        ]

    async def list_resource_templates(self) -> Sequence[ResourceTemplate]:
        return [
            ResourceTemplate(
                uri_template="test://template/{id}/data",
                name="template",
                mime_type="application/json",
            )
        ]

    async def read_resource(self, uri: str) -> Sequence[ResourceContents] | None:
        if uri == "test://static-text":
            text = "This is the content of the static text resource."
            return [ResourceContents(uri=uri, mime_type="text/plain", text=text)]
        if uri == "test://static-binary":
            return [ResourceContents(uri=uri, mime_type="image/png", data=RED_PIXEL)]
        if uri == "test://watched-resource":
            return [
                ResourceContents(uri=uri, mime_type="text/plain", text="Watched resource content")
            ]
        if uri.startswith("test://template/") and uri.endswith("/data"):
            item = uri.removeprefix("test://template/").removesuffix("/data")
            data = {"id": item, "templateTest": True, "data": f"Data for ID: {item}"}
            return [ResourceContents(uri=uri, mime_type="application/json", text=json.dumps(data))]
        return None

    async def complete_resource(
        self, template: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Sequence[str]:
        return (
            [item for item in ("123", "456") if item.startswith(value)]
            if "template" in template
            else []
        )

    # --- prompts --------------------------------------------------------------------------

    async def list_prompts(self) -> Sequence[PromptSpec]:
        specs = [
            PromptSpec(name="test_simple_prompt", description="A simple prompt."),
            PromptSpec(
                name="test_prompt_with_arguments",
                description="A prompt with arguments.",
                arguments=(
                    PromptArgument(name="arg1", description="First argument", required=True),
                    PromptArgument(name="arg2", description="Second argument", required=True),
                ),
            ),
            PromptSpec(
                name="test_prompt_with_embedded_resource",
                description="A prompt with an embedded resource.",
                arguments=(
                    PromptArgument(name="resourceUri", description="The URI", required=True),
                ),
            ),
            PromptSpec(name="test_prompt_with_image", description="A prompt with an image."),
            PromptSpec(name="test_input_required_result_prompt", description="Asks first."),
        ]
        specs += [
            PromptSpec(name=f"test_added_prompt_{n}", description="Added.")
            for n in range(self.extra_prompts)
        ]
        return specs

    async def get_prompt(self, name: str, arguments: Mapping[str, str]) -> PromptResult | None:
        if name == "test_simple_prompt":
            return _prompt(Message.user("This is a simple prompt for testing."))
        if name == "test_prompt_with_arguments":
            first, second = arguments.get("arg1"), arguments.get("arg2")
            text = f"Prompt with arguments: arg1='{first}', arg2='{second}'"
            return _prompt(Message.user(text))
        if name == "test_prompt_with_embedded_resource":
            uri = arguments.get("resourceUri") or "test://example-resource"
            text = "Embedded resource content for testing."
            document = ResourcePart(uri=uri, mime_type="text/plain", text=text)
            return _prompt(
                Message.user((document,)),
                Message.user("Please process the embedded resource above."),
            )
        if name == "test_prompt_with_image":
            image = Message.user((ImagePart(url=f"data:image/png;base64,{RED_PIXEL}"),))
            return _prompt(image, Message.user("Please analyze the image above."))
        if name == "test_input_required_result_prompt":
            form = {
                "type": "object",
                "properties": {"context": {"type": "string"}},
                "required": ["context"],
            }
            answer = await elicit("What context should the prompt use?", form, key="user_context")
            return _prompt(Message.user(f"Use this context: {answer.content.get('context')}"))
        if name.startswith("test_added_prompt_"):
            return _prompt(Message.user("added"))
        return None

    async def complete_prompt(
        self, name: str, argument: str, value: str, context: Mapping[str, str]
    ) -> Sequence[str]:
        return [word for word in ("paris", "park", "party") if word.startswith(value)]


def _prompt(*messages: Message) -> PromptResult:
    return PromptResult(messages=tuple(messages))
