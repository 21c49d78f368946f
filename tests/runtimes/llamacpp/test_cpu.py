"""llama.cpp stays off CPU code paths that crash: no AMX kernels in the build, and none used."""

from __future__ import annotations

import llama_cpp
import pytest

from interlace.runtimes.llamacpp import cpu


def _defaults_use_extra_buffers() -> bool:
    return bool(llama_cpp.llama_cpp.llama_model_default_params().use_extra_bufts)


def test_the_installed_build_has_no_amx_kernels() -> None:
    """The Makefile compiles llama.cpp without AMX (its kernels die with SIGILL here)."""
    assert not cpu.amx_compiled(), llama_cpp.llama_print_system_info().decode()


def test_extra_buffers_are_skipped_while_amx_is_compiled_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(cpu.OVERRIDE_ENV, raising=False)
    monkeypatch.setattr(cpu, "amx_compiled", lambda: True)
    assert _defaults_use_extra_buffers()
    with cpu.safe_model_params():
        assert not _defaults_use_extra_buffers()
    assert _defaults_use_extra_buffers()  # restored after loading
    monkeypatch.setenv(cpu.OVERRIDE_ENV, "1")
    with cpu.safe_model_params():
        assert _defaults_use_extra_buffers()


def test_override_turns_extra_buffers_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cpu.OVERRIDE_ENV, "0")
    with cpu.safe_model_params():
        assert not _defaults_use_extra_buffers()
