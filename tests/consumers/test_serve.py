"""consumers.serve: the HTTP implementation `hub run` gives uvicorn."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from consumers import serve


def test_httptools_when_it_imports() -> None:
    importlib.import_module("httptools")  # a dependency of the hub (pyproject)
    assert serve.http_protocol() == "httptools"


def test_h11_when_httptools_does_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def without_httptools(name: str, package: str | None = None) -> ModuleType:
        if name == "httptools":
            raise ImportError("no httptools here")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_httptools)
    assert serve.http_protocol() == "h11"
