"""Fixtures for the interoperability tests: a JPN node with items, under the Japan–ROK GSOMIA.

Federating two nodes costs seconds (keys, signatures, notes), so each module federates once:
``federation_template`` builds the two homes (as the root ``federation`` fixture does) and
closes them, and ``federation`` gives each test its own copy, opened at the template's time
(as ``make_node`` copies ``HomeTemplates``). Tests change only their copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support_interop import FederationTemplate, build_template, make_launch


@pytest.fixture(scope="module")
def federation_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, home_templates: Any
) -> FederationTemplate:
    """The federated pair, built once per module."""
    return build_template(tmp_path_factory.mktemp("federation"), request.config, home_templates)


@pytest.fixture
def federation(federation_template: FederationTemplate, tmp_path: Path) -> Iterator[Any]:
    """JPN and KOR under the Japan–ROK GSOMIA (as the root fixture), copied from the module's template."""
    made = federation_template.open(tmp_path)
    yield made
    made.jpn.close()
    made.kor.close()


@pytest.fixture
def jpn_item(federation: Any) -> str:
    """One launch report at JPN."""
    return make_launch(federation.jpn, federation.agreement_id)
