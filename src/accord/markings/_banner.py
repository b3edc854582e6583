"""Banner lines: the marking a reader sees at the top and bottom of an item.

Two banners are shown for a received item (DESIGN.md §2, flow step 5): the originator's,
in the originator's script, and the receiver's, which names the originating party in the
receiver's language together with the originator's own classification, as GSOMIA Art. 4
requires ("marked with the originating party's name and its own equivalent
classification").

Parts are joined with ``" // "``:

* originator banner: ``native (ROMANISED) // FAMILY // REL TO A, B // NTK TOPIC //
  NO THIRD-PARTY RELEASE // PURPOSE LIMITED``;
* received banner: ``native // <provided-by phrase> // <controls>``;
* page banner (:func:`page_banner`): the highest level a page displays, in the viewer's scheme,
  with the controls of the page as a whole (the web console's top and bottom banners).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.markings._label import ConfidentialityLabel
from accord.markings._marking import Marking
from accord.markings._schemes import Family, Level, party_name
from accord.markings._schemes import scheme as get_scheme

__all__ = ["PageBanner", "banner", "page_banner", "received_banner"]

_SEP = " // "

# Fixed order, so that the same controls always read the same way (GSOMIA Art. 6).
_CONTROL_WORDS = (
    ("NO-THIRD-PARTY", "NO THIRD-PARTY RELEASE"),
    ("PURPOSE-LIMITED", "PURPOSE LIMITED"),
)


def _controls(controls: frozenset[str]) -> list[str]:
    return [words for control, words in _CONTROL_WORDS if control in controls]


def banner(label: ConfidentialityLabel) -> str:
    """Renders a label's banner line.

    Args:
        label: The label.

    Returns:
        E.g. ``"秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR"``. The romanised part appears
        only when it differs from the native spelling, and the English family only when it
        differs from the native spelling.
    """
    level = label.level
    head = level.native
    if level.romanised != level.native:
        head += f" ({level.romanised.upper()})"
    parts = [head]
    if level.family.value != level.native:
        parts.append(level.family.value)
    if label.releasable_to:
        parts.append("REL TO " + ", ".join(sorted(label.releasable_to)))
    if label.need_to_know:
        parts.append("NTK " + ", ".join(sorted(label.need_to_know)))
    parts.extend(_controls(label.originator_controls))
    return _SEP.join(parts)


def _provided_phrase(party: str, original: ConfidentialityLabel, scheme: str) -> str:
    english = f"PROVIDED BY {party}: {original.classification}"
    if scheme == "KOR":
        return f"{party_name(party, 'KOR')} 제공 ({english})"
    if scheme == "JPN":
        return f"{party_name(party, 'JPN')}提供 ({english})"
    return english


def received_banner(marking: Marking, scheme: str) -> str:
    """Renders the banner a receiver shows, in its own scheme (GSOMIA Art. 4).

    Args:
        marking: The item's marking.
        scheme: The receiver's scheme code.

    Returns:
        E.g. ``"군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘) // NO THIRD-PARTY RELEASE"``;
        :func:`banner` of the originator's label when the marking has no alternative in
        that scheme.

    Raises:
        LabelError: The scheme is unknown.
    """
    get_scheme(scheme)
    alternative = next((alt for alt in marking.alternatives if alt.policy == scheme), None)
    if alternative is None:
        return banner(marking.originator)
    original = marking.originator
    party = alternative.provided_by or original.policy
    parts = [alternative.classification, _provided_phrase(party, original, scheme)]
    # The originator's controls bind whatever the alternative copied (Art. 6).
    parts.extend(_controls(alternative.originator_controls | original.originator_controls))
    return _SEP.join(parts)


# What a page with no classified information shows, per scheme, in the scheme's own script
# (the schemes have no "unclassified" level: it is the absence of one).
_UNCLASSIFIED = {
    "KOR": "평문 (UNCLASSIFIED)",
    "JPN": "秘密区分なし (UNCLASSIFIED)",
    "USA": "UNCLASSIFIED",
    "NATO": "NATO UNCLASSIFIED",
}
_FAMILY_ORDER = (Family.RESTRICTED, Family.CONFIDENTIAL, Family.SECRET, Family.TOP_SECRET)


@dataclass(frozen=True)
class PageBanner:
    """The banner of a page that displays several items, in one scheme (GSOMIA Art. 4).

    Attributes:
        text: The banner line, e.g. ``"군사Ⅱ급비밀 (GUNSA 2-GEUP BIMIL) // SECRET // REL TO JPN, KOR"``.
        family: The highest level's family, or None for a page with no classified information.
        level: The highest level in the scheme, or None.
        unmapped: Labels of displayed items with no label in the scheme (shown as themselves).
    """

    text: str
    family: Family | None
    level: Level | None
    unmapped: tuple[str, ...] = ()

    @property
    def css_class(self) -> str:
        """A class naming the colour of the banner: ``banner-top-secret`` … ``banner-unclassified``."""
        name = self.family.name if self.family is not None else "UNCLASSIFIED"
        return "banner-" + name.lower().replace("_", "-")


def page_banner(markings: Iterable[Marking], scheme: str) -> PageBanner:
    """The banner for a page that displays items with these markings, in ``scheme``.

    Each item counts at its own label in ``scheme`` — the originator's for an item made
    under it, the Art. 4 alternative for one received — so the levels compare within one
    scheme. The banner names the highest, with the controls of the page as a whole: REL TO
    the parties every item may go to, every need-to-know topic, every originator control.
    An item with no label in ``scheme`` (none was derived) cannot be compared: its own
    classification is appended, never guessed at. No marking: the unclassified banner.

    Args:
        markings: The markings of what the page displays.
        scheme: The viewer's scheme code.

    Returns:
        The banner.

    Raises:
        LabelError: The scheme is unknown.
    """
    get_scheme(scheme)
    own_labels: list[ConfidentialityLabel] = []
    unmapped: list[ConfidentialityLabel] = []
    binding: list[ConfidentialityLabel] = []  # every label whose controls bind the page
    for marking in markings:
        own = marking.for_scheme(scheme)
        if own is None:
            unmapped.append(marking.originator)
        else:
            own_labels.append(own)
            binding.append(own)
        if own is not marking.originator:
            binding.append(marking.originator)  # the originator's controls bind (Art. 6)
    if not binding:
        return PageBanner(_UNCLASSIFIED.get(scheme, "UNCLASSIFIED"), None, None)
    top = max((label.level for label in own_labels), key=lambda level: level.rank, default=None)
    parts = []
    if top is not None:
        parts.append(top.native + (f" ({top.romanised.upper()})" if top.romanised != top.native else ""))
        if top.family.value != top.native:
            parts.append(top.family.value)
    foreign = tuple(dict.fromkeys(f"{label.classification} ({label.policy})" for label in unmapped))
    parts.extend(f"+ {text}" for text in foreign)
    rel = frozenset.intersection(*(label.releasable_to for label in binding))
    if rel:
        parts.append("REL TO " + ", ".join(sorted(rel)))
    ntk = frozenset().union(*(label.need_to_know for label in binding))
    if ntk:
        parts.append("NTK " + ", ".join(sorted(ntk)))
    parts.extend(_controls(frozenset().union(*(label.originator_controls for label in binding))))
    # The colour follows the highest family shown, an unmapped item's included.
    family = max(
        [label.level.family for label in unmapped] + ([top.family] if top is not None else []),
        key=_FAMILY_ORDER.index,
    )
    return PageBanner(_SEP.join(parts), family, top, foreign)
