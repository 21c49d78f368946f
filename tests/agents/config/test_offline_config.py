"""The ``offline`` setting: its forms, its allowlist, and what the allowlist lets through."""

from __future__ import annotations

from pathlib import Path

import pytest

from interlace.agents.config import ConfigValidationError, load_config
from interlace.runtimes.offline import Allowlist, endpoint_refusal, parse_allowed

MODEL = "models: {default: 'openai:http://gpu-box.lan:8000/v1?model=m'}\nagents:\n  a: {}\n"


def _load(tmp_path: Path, offline: str, models: str = MODEL) -> object:
    path = tmp_path / "app.yaml"
    path.write_text(f"offline: {offline}\n{models}")
    return load_config(path).offline


@pytest.mark.parametrize(
    ("written", "mode", "allow"),
    [
        ("off", "off", []),
        ("strict", "strict", []),
        ("yes", "strict", []),  # YAML 1.1 booleans
        ("{mode: on}", "strict", []),
        ("{mode: strict, allow: ['gpu-box.lan:8000', '[::1]:80', 10.0.0.7]}", "strict", 3),
    ],
)
def test_offline_forms(tmp_path: Path, written: str, mode: str, allow: list[str] | int) -> None:
    offline = _load(tmp_path, written, "models: {default: 'scripted:x'}\nagents:\n  a: {}\n")
    assert offline.mode == mode  # type: ignore[attr-defined]
    count = allow if isinstance(allow, int) else len(allow)
    assert len(offline.allow) == count  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("{mode: strict, allow: ['http://gpu-box.lan']}", "is not a host; write HOST or HOST:PORT"),
        ("{mode: strict, allow: ['gpu-box.lan:99999']}", "the port must be a number"),
        ("{mode: off, allow: ['gpu-box.lan']}", "offline.allow only applies with mode: strict"),
        ("{mode: strict, allow: ['gpu-box.lan:8001']}", "refuses connections to gpu-box.lan:8000"),
    ],
)
def test_offline_mistakes_are_config_errors(tmp_path: Path, written: str, message: str) -> None:
    with pytest.raises(ConfigValidationError, match=message.replace("(", r"\(")):
        _load(tmp_path, written)


def test_allowlist_matches_hosts_and_ports() -> None:
    allow = Allowlist(["gpu-box.lan:8000", "10.0.0.7", "[fd00::1]:443"])
    assert allow.permits("gpu-box.lan", 8000)
    assert allow.permits("GPU-BOX.lan", None)  # a lookup of an allowed name
    assert not allow.permits("gpu-box.lan", 8001)
    assert allow.permits("10.0.0.7", 1)
    assert allow.permits("[fd00::1]", 443)
    assert not allow.permits("10.0.0.8", 80)
    assert all(allow.permits(h, 9) for h in ("127.0.0.1", "::1", "localhost", "a.localhost"))
    allow.learn("gpu-box.lan", ["192.0.2.9"])
    assert allow.permits("192.0.2.9", 8000)
    assert not allow.permits("192.0.2.9", 22)
    assert parse_allowed("[::1]:80") == ("::1", 80)
    assert endpoint_refusal("https://api.example.com/v1", ["api.example.com:443"]) is None
    assert "api.example.com:443" in str(endpoint_refusal("https://api.example.com/v1", []))
