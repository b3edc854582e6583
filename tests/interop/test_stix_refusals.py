"""A STIX bundle whose marking is missing, malformed, unknown or out of scope stores nothing (issue 13)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stix2validator.validator as stix2_validator

from accord.errors import AccordError, InvalidInput
from accord.interop import ACS_EXT, NATIONAL_MARKING_EXT, StixExchange, json_schemas
from accord.interop._stix_check import MAX_DEPTH, SCHEMA_DIR
from accord.node import JournalFilter, NewUser

Edit = Callable[[dict[str, Any]], None]


def _national(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in bundle["objects"] if NATIONAL_MARKING_EXT in o.get("extensions", {}))


def _report(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in bundle["objects"] if o["type"] == "report")


def _drop_refs(bundle: dict[str, Any]) -> None:
    del _report(bundle)["object_marking_refs"]


def _bad_level(bundle: dict[str, Any]) -> None:
    _national(bundle)["extensions"][NATIONAL_MARKING_EXT]["classification"] = "ULTRA"


def _romanised_level(bundle: dict[str, Any]) -> None:
    _national(bundle)["extensions"][NATIONAL_MARKING_EXT]["classification"] = "gokuhi"


def _unknown_extension(bundle: dict[str, Any]) -> None:
    md = _national(bundle)
    md["extensions"] = {
        "extension-definition--11111111-2222-4333-8444-555555555555": {"extension_type": "property-extension"}
    }


def _statement(bundle: dict[str, Any]) -> None:
    md = _national(bundle)
    del md["extensions"]
    md["definition_type"] = "statement"
    md["definition"] = {"statement": "SECRET, trust me"}


def _dangling(bundle: dict[str, Any]) -> None:
    _report(bundle)["object_marking_refs"].append("marking-definition--11111111-2222-4333-8444-555555555555")


def _acs_mismatch(bundle: dict[str, Any]) -> None:
    acs = next(o for o in bundle["objects"] if ACS_EXT in o.get("extensions", {}))
    acs["extensions"][ACS_EXT]["control_set"]["classification"] = "U"


def _other_scheme_only(bundle: dict[str, Any]) -> None:
    ext = _national(bundle)["extensions"][NATIONAL_MARKING_EXT]
    ext["policy"], ext["classification"] = "KOR", "군사Ⅱ급비밀"


def _out_of_scope(bundle: dict[str, Any]) -> None:
    ext = _national(bundle)["extensions"][NATIONAL_MARKING_EXT]
    ext["classification"] = "機密"  # TOP SECRET: outside the Japan–ROK text's scope
    acs = next(o for o in bundle["objects"] if ACS_EXT in o.get("extensions", {}))
    acs["extensions"][ACS_EXT]["control_set"]["classification"] = "TS"


def _unknown_agreement(bundle: dict[str, Any]) -> None:
    _national(bundle)["extensions"][NATIONAL_MARKING_EXT]["agreement"] = "no-such-agreement"


def _custom_object(bundle: dict[str, Any]) -> None:
    bundle["objects"].append({"type": "x-secret", "id": "x-secret--11111111-2222-4333-8444-555555555555"})


CASES: dict[str, tuple[Edit, str]] = {
    "missing marking": (_drop_refs, "no object_marking_refs"),
    "unknown level": (_bad_level, "is not one of"),
    "level not in native script": (_romanised_level, "is not one of"),
    "unknown marking extension": (_unknown_extension, "unknown marking extension"),
    "statement marking": (_statement, "unknown kind of marking"),
    "dangling marking ref": (_dangling, "not in the bundle"),
    "ACS disagrees with the label": (_acs_mismatch, "does not match"),
    "no label in our scheme": (_other_scheme_only, "never guesses a classification"),
    "out of the agreement's scope": (_out_of_scope, "scope"),
    "unknown agreement": (_unknown_agreement, "no-such-agreement"),
    "custom object": (_custom_object, "refused"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_with_reason_and_nothing_stored(federation: Any, jpn_item: str, case: str) -> None:
    jpn = federation.jpn
    exchange = StixExchange(jpn)
    bundle = copy.deepcopy(exchange.export([jpn_item], actor="sato"))
    edit, reason = CASES[case]
    edit(bundle)
    # Cleared to the top, so that the scope of the agreement is what refuses 機密.
    jpn.users.add(NewUser("kato", role="officer", clearance="機密", ntk=["DPRK-MISSILE"]), actor="authority")
    before = len(jpn.items.all())
    with pytest.raises(AccordError) as refused:
        exchange.import_bundle(json.dumps(bundle).encode(), actor="kato")
    assert reason.lower() in str(refused.value).lower()
    assert len(jpn.items.all()) == before
    last = jpn.journal.listing(actor="sato", where=JournalFilter(refusals=True), limit=1000).events[-1]
    assert (last.action, last.outcome) == ("stix.import", "refused")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"\xff\xfe", "not UTF-8", id="mis-encoded"),
        pytest.param(b"{", "not JSON", id="malformed"),
        pytest.param(b'{"type": "bundle", "type": "bundle"}', "repeated", id="repeated key"),
        pytest.param(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "nested deeper", id="deep"),
        pytest.param(b" " * (4 * 1024 * 1024 + 1), "larger than", id="oversized"),
    ],
)
def test_bad_input_is_refused(federation: Any, data: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        StixExchange(federation.jpn).import_bundle(data, actor="sato")


def test_validation_never_fetches_a_schema(federation: Any, jpn_item: str) -> None:
    StixExchange(federation.jpn).export([jpn_item], actor="sato")
    assert stix2_validator._HTTP_SCHEMAS == {}
    assert (
        Path(stix2_validator.__file__)
        .parent.joinpath("schemas-2.1", "schemas", "common", "core.json")
        .is_file()
    )


def test_published_schemas_are_the_ones_checked(tmp_path: Path) -> None:
    for ext_id, schema in json_schemas().items():
        on_disk = json.loads((SCHEMA_DIR / f"{ext_id}.json").read_text(encoding="utf-8"))
        assert on_disk == schema, "regenerate src/accord/interop/_vendor/accord (docs/stix.md says how)"


def test_an_oversized_file_is_refused_unread_and_journalled(federation: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (4 * 1024 * 1024 + 1))
    with pytest.raises(InvalidInput, match="larger than 4 MiB"):
        StixExchange(federation.jpn).import_file(big, actor="sato")
    last = federation.jpn.journal.listing(
        actor="sato", where=JournalFilter(refusals=True), limit=1000
    ).events[-1]
    assert (last.action, last.outcome, last.detail["file"]) == ("stix.import", "refused", "big.json")
