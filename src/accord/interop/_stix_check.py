"""Checking STIX 2.1 input and output: bounded JSON, ``stix2`` and ``stix2-validator`` (issue 13).

Every bundle Accord writes or reads passes the same three gates:

1. :func:`load_json` — at most :data:`MAX_STIX_BYTES`, UTF-8, no repeated key, nested at
   most :data:`MAX_DEPTH` deep (a deeply nested document is refused before it is walked);
2. ``stix2.parse(…, allow_custom=False)`` with Accord's extensions registered
   (:mod:`._stix_ext`), so a bad value in a known extension is refused;
3. ``stix2-validator`` in strict mode against the OASIS JSON schemas vendored in
   ``_vendor/schemas-2.1`` (their references resolve to those files, never the internet)
   and Accord's own extension schemas in ``_vendor/accord``.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from accord.canonical import unique_keys
from accord.errors import InvalidInput

__all__ = ["MAX_DEPTH", "MAX_STIX_BYTES", "SCHEMA_DIR", "check_bundle", "load_json", "validate_with_schemas"]

MAX_STIX_BYTES = 4 * 1024 * 1024
"""The largest STIX document read (4 MiB)."""
MAX_REASON = 300
"""The longest foreign reason (stix2's, stix2-validator's) quoted in a refusal."""
MAX_DEPTH = 12
"""The deepest nesting of arrays and objects accepted in a STIX document."""

_VENDOR = Path(__file__).parent / "_vendor"
SCHEMA_DIR = _VENDOR / "accord"
"""Accord's extension schemas, one file per extension-definition id (stix2-validator's schema_dir)."""

_lock = threading.Lock()


def _validator() -> ModuleType:
    # stix2-validator (jsonschema's format checkers, an RFC 3987 grammar) takes seconds to
    # load: loaded on the first check, never by `accord --help` or a node without STIX.
    from stix2validator import validator  # noqa: PLC0415 (lazy, see above)

    loaded: ModuleType = validator
    return loaded


def _point_validator_at_vendored_schemas(validator: ModuleType) -> None:
    # stix2-validator finds its OASIS schemas beside its module file (`schemas-2.1/` next to
    # validator.py), and the wheel on PyPI ships none: it would then fail, or fetch the
    # schemas' own $id URLs from the internet. Pointing that one module-level name at our
    # vendored copy makes every lookup a local file; nothing else reads it.
    validator.__file__ = str(_VENDOR / "validator.py")
    # And each schema's JSON-schema validator is built once per process (see below).
    if not getattr(validator.load_validator, "keeps_validators", False):
        validator.load_validator = _kept_validators(validator)  # type: ignore[attr-defined]


def _kept_validators(validator: ModuleType) -> Callable[[str, Any, str], Any]:
    """stix2-validator's ``load_validator``, building each schema's validator once per process.

    For every object checked it builds a JSON-schema validator whose reference registry holds
    only the object's own schema: each ``$ref`` (``common/identifier.json``,
    ``common/timestamp.json`` …) then misses the registry, which retrieves the file and crawls
    every resource again — 55-65 % of a 100-object TAXII POST. What it builds depends only on
    the schema's path and folder (it keeps the patched schema by path after the first call).
    So each validator is built once, by stix2-validator itself, then given a registry that
    already holds every vendored schema — retrieved by stix2-validator's own
    ``retrieve_from_filesystem``, under the ``file:`` URI its references resolve to — crawled
    once. Every object is still validated against its schemas; a reference to anything
    else is still retrieved as before (the registry keeps stix2-validator's callback).
    """
    from referencing.jsonschema import DRAFT202012  # noqa: PLC0415 (with the validator, lazily)

    original = validator.load_validator
    kept: dict[tuple[str, str], Any] = {}
    vendored: dict[str, Any] = {}

    def load_validator(schema_path: str, schema: Any, schema_dir: str) -> Any:
        key = (schema_path, schema_dir)
        if key not in kept:
            built = original(schema_path, schema, schema_dir)
            if schema_dir not in vendored:
                vendored[schema_dir] = _vendored_registry(validator, schema_dir)
            resource = DRAFT202012.create_resource(built.schema)
            registry = vendored[schema_dir].with_resource(schema_path, resource).crawl()
            # evolve() would keep the resolver made from the old registry: it is made again.
            kept[key] = built.evolve(registry=registry, _resolver=None)
        return kept[key]

    load_validator.keeps_validators = True  # type: ignore[attr-defined]  # installed once
    return load_validator


def _vendored_registry(validator: ModuleType, schema_dir: str) -> Any:
    """A crawled registry of every vendored schema, as stix2-validator retrieves each."""
    from referencing import Registry  # noqa: PLC0415 (with the validator, lazily)

    retrieve = functools.partial(validator.retrieve_from_filesystem, schema_dir=schema_dir)
    files = [(f.as_uri(), retrieve(f.as_uri())) for f in sorted(_VENDOR.rglob("*.json"))]
    return Registry(retrieve=retrieve).with_resources(files).crawl()  # type: ignore[call-arg]


def load_json(data: bytes, what: str = "STIX document", *, limit: int = MAX_STIX_BYTES) -> Any:
    """Decode a STIX JSON document, bounded in size (``limit`` bytes) and depth, refusing repeated keys.

    Raises:
        InvalidInput: too large, not UTF-8 JSON, a repeated key, or nested too deeply.
    """
    if len(data) > limit:
        raise InvalidInput(f"{what} refused: larger than {limit // (1024 * 1024)} MiB")
    _check_depth(data, what)

    hook = unique_keys(lambda key: InvalidInput(f"{what} refused: the key {key!r} is repeated"))
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=hook)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} refused: not UTF-8") from exc
    except ValueError as exc:
        raise InvalidInput(f"{what} refused: not JSON ({exc})") from exc


def _check_depth(data: bytes, what: str) -> None:
    # Counted on the bytes before decoding, so a hostile nesting never reaches the parser.
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidInput(f"{what} refused: nested deeper than {MAX_DEPTH} levels")
        elif byte in (0x5D, 0x7D):
            depth -= 1


def _short(error: object) -> str:
    # stix2 quotes the whole object it cannot parse (a bundle of megabytes): the reason is
    # kept to its start, so that the message and the journal entry stay a reason.
    text = " ".join(str(error).split())
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def check_bundle(bundle: Mapping[str, object]) -> None:
    """Check a bundle with ``stix2`` (extensions registered, nothing custom) and ``stix2-validator``.

    Raises:
        InvalidInput: either refuses it; the message holds their first reasons.
    """
    # Loaded on the first check, as the validator is (stix2 takes a second to load).
    import stix2  # noqa: PLC0415
    from stix2.exceptions import STIXError  # noqa: PLC0415

    from accord.interop import _stix_register  # noqa: F401, PLC0415 (registers the extensions)

    try:
        stix2.parse(dict(bundle), allow_custom=False, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInput(f"STIX bundle refused by stix2: {_short(exc)}") from exc
    validate_with_schemas(bundle)


def validate_with_schemas(bundle: Mapping[str, object]) -> None:
    """Check a bundle with ``stix2-validator`` alone (strict, the vendored OASIS and Accord schemas).

    Raises:
        InvalidInput: it refuses the bundle; the message holds its first reasons.
    """
    validator = _validator()
    options = validator.ValidationOptions(version="2.1", strict=True, schema_dir=str(SCHEMA_DIR))
    with _lock:
        _point_validator_at_vendored_schemas(validator)
        try:
            result = validator.validate_instance(dict(bundle), options)
        except Exception as exc:  # a foreign validator: any failure of it is a refusal
            raise InvalidInput(f"STIX bundle refused by stix2-validator: {_short(exc)}") from exc
    if not result.is_valid:
        reasons = "; ".join(_short(e) for e in list(result.errors)[:3])
        raise InvalidInput(f"STIX bundle refused by stix2-validator: {reasons}")
