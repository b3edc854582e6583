"""Shared fixtures for the agreements tests: the example agreements."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import accord.agreements
from accord.agreements import Agreement, load_agreement

EXAMPLES = Path(accord.agreements.__file__).parent / "examples"


@pytest.fixture(scope="session")
def example_text() -> Callable[[str], str]:
    """Reads an example agreement file by name."""

    def read(name: str) -> str:
        return (EXAMPLES / name).read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="session")
def jpn_kor(example_text: Callable[[str], str]) -> Agreement:
    """The Japan–ROK GSOMIA of 2016."""
    return load_agreement(example_text("jpn-kor-gsomia-2016.toml"))


@pytest.fixture(scope="session")
def tisa(example_text: Callable[[str], str]) -> Agreement:
    """The trilateral arrangement of 2014."""
    return load_agreement(example_text("tisa-2014.toml"))
