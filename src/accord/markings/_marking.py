"""An item's marking: the originator's label, forever, plus alternatives (GSOMIA Art. 4).

Invariants:
    * the originator's label is never replaced or altered by a receiver;
    * at most one alternative per scheme, and none in the originator's own scheme, so an
      equivalent, once added, is never overwritten ("never overwriting", Art. 4);
    * alternatives are kept sorted by scheme so that the canonical bytes are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from accord.errors import LabelError
from accord.markings._label import ConfidentialityLabel, JsonForm, check_keys

__all__ = ["Marking"]


@dataclass(frozen=True, slots=True)
class Marking(JsonForm):
    """The labels of one item: the originator's and the alternatives in other schemes.

    Attributes:
        originator: The originating party's label.
        alternatives: Receivers' equivalent labels, one per scheme, sorted by scheme.

    Raises:
        LabelError: An alternative is in the originator's scheme or two share a scheme.
    """

    WHAT: ClassVar[str] = "a marking"

    originator: ConfidentialityLabel
    alternatives: tuple[ConfidentialityLabel, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.originator, ConfidentialityLabel):
            raise LabelError("a marking's originator must be a ConfidentialityLabel")
        raw: object = self.alternatives
        if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Iterable):
            raise LabelError("a marking's alternatives must be a list of labels")
        alternatives = tuple(raw)
        seen = {self.originator.policy}
        for alt in alternatives:
            if not isinstance(alt, ConfidentialityLabel):
                raise LabelError("a marking's alternatives must be ConfidentialityLabel objects")
            if alt.policy in seen:
                raise LabelError(_overwrite_message(self.originator, alt.policy))
            seen.add(alt.policy)
        object.__setattr__(self, "alternatives", tuple(sorted(alternatives, key=lambda a: a.policy)))

    def with_alternative(self, label: ConfidentialityLabel) -> Marking:
        """Returns a copy with one more alternative label.

        Args:
            label: The receiver's equivalent label (see :func:`derive_alternative`).

        Returns:
            The new marking.

        Raises:
            LabelError: The label is in the originator's scheme, or an alternative in that
                scheme already exists; labels are never overwritten (GSOMIA Art. 4).
        """
        return Marking(self.originator, (*self.alternatives, label))

    def for_scheme(self, scheme: str) -> ConfidentialityLabel | None:
        """Returns the label written in a scheme.

        Args:
            scheme: A scheme code.

        Returns:
            The originator's label when it is in that scheme, else the alternative in that
            scheme, else None.
        """
        if self.originator.policy == scheme:
            return self.originator
        for alt in self.alternatives:
            if alt.policy == scheme:
                return alt
        return None

    def label_in(self, scheme: str) -> ConfidentialityLabel:
        """Returns the label a node of ``scheme`` goes by: its own scheme's, else the originator's.

        Args:
            scheme: The reading node's scheme code.
        """
        return self.for_scheme(scheme) or self.originator

    def agreement_in(self, scheme: str) -> str | None:
        """Returns the agreement the item is held under, as a node of ``scheme`` reads its marking.

        The one its label in that scheme names (:meth:`label_in`: the alternative this node
        added on receipt names the agreement it arrived under), else the one the originator's
        label names (GSOMIA Arts. 4, 21); ``None`` when neither names one. Every question
        "which agreement was this item provided under" starts here.

        Args:
            scheme: The reading node's scheme code.
        """
        return self.label_in(scheme).agreement or self.originator.agreement

    def to_dict(self) -> dict[str, object]:
        """Returns the marking as a JSON-ready dict."""
        return {
            "originator": self.originator.to_dict(),
            "alternatives": [alt.to_dict() for alt in self.alternatives],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Marking:
        """Builds a marking from :meth:`to_dict` output, strictly.

        Args:
            data: The decoded JSON object.

        Returns:
            The marking.

        Raises:
            LabelError: A key is missing or unknown, a value has the wrong type, or a label
                is invalid.
        """
        data = check_keys(data, frozenset({"originator"}), frozenset({"alternatives"}), "a marking")
        originator = data["originator"]
        alternatives = data.get("alternatives", [])
        if not isinstance(originator, Mapping):
            raise LabelError("a marking's 'originator' must be a JSON object")
        if not isinstance(alternatives, list):
            raise LabelError("a marking's 'alternatives' must be a list")
        alts: list[ConfidentialityLabel] = []
        for alt in alternatives:
            if not isinstance(alt, Mapping):
                raise LabelError("a marking's alternatives must be JSON objects")
            alts.append(ConfidentialityLabel.from_dict(alt))
        return cls(ConfidentialityLabel.from_dict(originator), tuple(alts))


def _overwrite_message(originator: ConfidentialityLabel, policy: str) -> str:
    if policy == originator.policy:
        return f"a label in the originator's scheme {policy} cannot be added: the originator's label stays"
    return f"an alternative label in scheme {policy} already exists and is never overwritten"
