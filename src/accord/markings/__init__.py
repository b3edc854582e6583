"""Classification schemes, STANAG 4774 confidentiality labels, markings and banners.

This package is pure: no I/O and no clock; callers pass every time. It imports nothing
from Accord but :mod:`accord.errors` (and :mod:`accord.lazy`), and every label or scheme
problem is a :class:`~accord.errors.LabelError`.

* :mod:`._schemes` — the national schemes of DESIGN.md §1 and party names;
* :mod:`._category`, :mod:`._label` — categories, the label and its canonical JSON;
* :mod:`._marking` — the originator's label plus alternatives (GSOMIA Art. 4);
* :mod:`._xml` — the STANAG 4774 XML codec (exported on first use: its XML modules import
  ``urllib`` and ``ssl``, which a listing never needs);
* :mod:`._banner` — banner lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.lazy import exports_from
from accord.markings._banner import PageBanner, banner, page_banner, received_banner
from accord.markings._category import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    ORIGINATOR_CONTROLS,
    PROVIDED_BY,
    RELEASABLE_TO,
    Category,
    CategoryType,
)
from accord.markings._label import ConfidentialityLabel, Issuance, derive_alternative
from accord.markings._marking import Marking
from accord.markings._schemes import (
    SCHEMES,
    Family,
    Level,
    Scheme,
    is_party_code,
    parse_level,
    party_name,
    scheme,
)

if TYPE_CHECKING:
    from accord.markings._xml import from_xml, to_xml

__all__ = [
    "NEED_TO_KNOW",
    "ORIGINATOR_CONTROL",
    "ORIGINATOR_CONTROLS",
    "PROVIDED_BY",
    "RELEASABLE_TO",
    "SCHEMES",
    "Category",
    "CategoryType",
    "ConfidentialityLabel",
    "Family",
    "Issuance",
    "Level",
    "Marking",
    "PageBanner",
    "Scheme",
    "banner",
    "derive_alternative",
    "from_xml",
    "is_party_code",
    "page_banner",
    "parse_level",
    "party_name",
    "received_banner",
    "scheme",
    "to_xml",
]

__getattr__ = exports_from(__name__, {"from_xml": "accord.markings._xml", "to_xml": "accord.markings._xml"})
