"""Agent templates: ``agents: {x: {template: NAME, ...}}`` starts from a registered
template (:data:`~interlace.agents.registries.AGENT_TEMPLATES`); the agent's own keys win."""

from __future__ import annotations

from collections.abc import Iterator

from interlace.protocols.errors import ConfigError

from .errors import ConfigIssue, ConfigValidationError
from .schema import AgentSpec, Config
from .source import Path, Source
from .validation import validate_model


def expand_templates(config: Config, source: Source) -> Iterator[ConfigIssue]:
    """Replace each templated agent by the template's fields overlaid with its own."""
    from interlace.agents.registries import AGENT_TEMPLATES

    for name, spec in list(config.agents.items()):
        if spec.template is None:
            continue
        path: Path = ("agents", name, "template")
        try:
            fields = dict(AGENT_TEMPLATES.get(spec.template)())
        except ConfigError as error:
            yield ConfigIssue(source.locate(path), path, str(error))
            continue
        own = spec.model_dump(exclude_unset=True, exclude={"template"})
        try:
            config.agents[name] = validate_model(
                AgentSpec, {**fields, **own}, source, ("agents", name), "template: "
            )
        except ConfigValidationError as error:
            yield from error.issues
