"""Banner lines: the marking a reader sees at the top and bottom of an item.

Two banners are shown for a received item (DESIGN.md §2, flow step 5): the originator's,
in the originator's script, and the receiver's, which names the originating party in the
receiver's language together with the originator's own classification, as GSOMIA Art. 4
requires ("marked with the originating party's name and its own equivalent
classification").

Parts are joined with ``" // "``:

* originator banner: ``native (ROMANISED) // FAMILY // REL TO A, B // NTK TOPIC //
  NO THIRD-PARTY RELEASE // PURPOSE LIMITED``;
* received banner: ``native // <provided-by phrase> // <controls>``.
"""

from __future__ import annotations

from accord.markings._label import ConfidentialityLabel
from accord.markings._marking import Marking
from accord.markings._schemes import party_name
from accord.markings._schemes import scheme as get_scheme

__all__ = ["banner", "received_banner"]

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
