"""stix2-validator builds each schema's validator once, yet refuses what the schemas refuse (issue 13)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from accord.errors import InvalidInput
from accord.interop import StixExchange
from accord.interop._stix_check import validate_with_schemas


def _report(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in bundle["objects"] if o["type"] == "report")


def _bad_identifier(bundle: dict[str, Any]) -> None:
    _report(bundle)["created_by_ref"] = "identity--not-a-uuid"  # common/identifier.json, by $ref


def _bad_timestamp(bundle: dict[str, Any]) -> None:
    _report(bundle)["modified"] = "yesterday"  # common/timestamp.json, by $ref


def _bad_extension_value(bundle: dict[str, Any]) -> None:
    ext = next(v for k, v in _report(bundle)["extensions"].items() if k.startswith("extension-definition--"))
    ext["precedence"] = "SOONISH"  # Accord's item extension schema


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        pytest.param(_bad_identifier, "identity--not-a-uuid", id="identifier"),
        pytest.param(_bad_timestamp, "yesterday", id="timestamp"),
        pytest.param(_bad_extension_value, "SOONISH", id="extension"),
    ],
)
def test_every_check_refuses_again_with_the_kept_validators(
    federation: Any, jpn_item: str, edit: Any, reason: str
) -> None:
    bundle = StixExchange(federation.jpn).export([jpn_item], actor="sato")
    for _ in range(3):  # the first check builds the validators, the others reuse them
        validate_with_schemas(bundle)
        bad = copy.deepcopy(bundle)
        edit(bad)
        with pytest.raises(InvalidInput) as refused:
            validate_with_schemas(bad)
        assert "stix2-validator" in str(refused.value)
        assert reason in str(refused.value)
    from stix2validator import validator

    assert validator.load_validator.keeps_validators  # the checks above went through the kept validators
