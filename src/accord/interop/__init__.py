"""The interoperability layer (issue 13): STIX 2.1, TAXII 2.1, STANAG 4778, MISP, beside the other interfaces.

It calls only :mod:`accord.node` and the pure codecs, so nothing leaves a node through these
doors unmarked, and nothing reaches a person that the decision point would withhold:

* :class:`StixExchange` — ``accord stix export`` / ``accord stix import``: an item as a
  STIX 2.1 bundle with ACS 3.0 and Accord's national markings, and back (``docs/stix.md``);
* :func:`bundle_of`, :func:`read_bundle`, :func:`check_bundle` — the pure codec and the
  ``stix2`` / ``stix2-validator`` gate it passes both ways;
* the extension ids and their JSON schemas (:func:`json_schemas`);
* :class:`Stanag4778Exchange` — ``accord item export-4778`` / ``accord item import-4778``: an
  item's STANAG 4774 labels and data bound by an XML Signature (``docs/stanag4778.md``);
* :class:`MispImport` — ``accord misp import``: MISP events as items, labelled through an
  explicit classification map (:func:`load_classification_map`, ``docs/misp.md``);
* :func:`create_taxii_router` — the TAXII 2.1 server at ``/taxii2/`` that ``accord serve``
  composes into the user API app (``docs/taxii.md``);
* :func:`create_interop_router` — the exporters and importers over HTTP under ``/api/v1/``
  (bearer tokens, the user API's refusals), composed beside it.
"""

from __future__ import annotations

from accord.interop._http import create_interop_router
from accord.interop._misp import MAX_MISP_BYTES, MispImport
from accord.interop._misp_map import ClassificationMap, MapEntry, load_classification_map
from accord.interop._stanag4778 import Stanag4778Exchange
from accord.interop._stix import StixExchange
from accord.interop._stix_check import MAX_STIX_BYTES, check_bundle, load_json
from accord.interop._stix_codec import ItemDraft, bundle_of, read_bundle
from accord.interop._stix_ext import (
    ACS_EXT,
    ITEM_EXT,
    NATIONAL_MARKING_EXT,
    TLP2_MARKINGS,
    json_schemas,
)
from accord.interop._taxii import TAXII_MEDIA_TYPE, create_taxii_router

__all__ = [
    "ACS_EXT",
    "ITEM_EXT",
    "MAX_MISP_BYTES",
    "MAX_STIX_BYTES",
    "NATIONAL_MARKING_EXT",
    "TAXII_MEDIA_TYPE",
    "TLP2_MARKINGS",
    "ClassificationMap",
    "ItemDraft",
    "MapEntry",
    "MispImport",
    "Stanag4778Exchange",
    "StixExchange",
    "bundle_of",
    "check_bundle",
    "create_interop_router",
    "create_taxii_router",
    "json_schemas",
    "load_classification_map",
    "load_json",
    "read_bundle",
]
