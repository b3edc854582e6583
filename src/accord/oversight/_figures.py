"""The figures of an oversight report: what each counts, how it is broken down, what mirrors it.

A figure is named by a path of words joined by ``|``: its family, then (for the families
that concern one partner) the partner's party code, then, for a breakdown, the dimension and
the value — ``sent|KOR``, ``sent|KOR|precedence|FLASH``, ``received|JPN|level|秘 = 군사Ⅲ급비밀``.
Every figure counts journal events (ledger leaves) and nothing else; :func:`figures_of`
is the one rule that says which figures one event counts in, from what the event itself
records (its action, outcome and detail), so the leaf a figure commits to is the evidence
of what it was counted as (``docs/oversight.md``).

Pure: no I/O, no clock. The node reads the journal and hands each event here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = [
    "BREAKDOWNS",
    "FAMILIES",
    "LANGUAGES",
    "MIRRORS",
    "SEPARATOR",
    "EventFacts",
    "figure_label",
    "figures_of",
]

SEPARATOR: Final = "|"
"""Joins the words of a figure's name (no party code, precedence, kind or level holds it)."""

BREAKDOWNS: Final[Mapping[str, tuple[str, ...]]] = {
    "sent": ("precedence", "kind", "level"),
    "received": ("precedence", "kind", "level"),
}
"""For each family broken down, its dimensions: each partitions the family's figure."""

_PARTNERED: Final = ("sent", "received", "relayed")
"""Families counted per partner (the party the item went to or came from)."""
_PLAIN: Final = (
    "consent-requests-made",
    "consent-requests-received",
    "consents-granted",
    "consents-denied",
    "consents-revoked",
    "consent-grants-received",
    "consent-denials-received",
    "consent-revocations-received",
    "downgrades",
    "declassifications",
    "downgrade-notices-received",
    "copies",
    "translations",
    "destructions",
    "compromise-cases-opened",
    "compromise-cases-closed",
    "compromise-notices-received",
)
FAMILIES: Final = (*_PARTNERED, *_PLAIN, "refusals")
"""Every family, in the order a report lists them."""

MIRRORS: Final[Mapping[str, str]] = {
    "sent": "received",
    "received": "sent",
    "consent-requests-made": "consent-requests-received",
    "consent-requests-received": "consent-requests-made",
    "consents-granted": "consent-grants-received",
    "consent-grants-received": "consents-granted",
    "consents-denied": "consent-denials-received",
    "consent-denials-received": "consents-denied",
    "consents-revoked": "consent-revocations-received",
    "consent-revocations-received": "consents-revoked",
}
"""For ``compare``: a family at one party and the family that counts the same exchanges at the other.

A partnered family's partner becomes the other party (JPN's ``sent|KOR`` against KOR's
``received|JPN``); a plain family is compared as it is (a bilateral agreement has one partner).
"""

# Actions counted as they are, when they concern an item of the agreement: action -> family.
_ITEM_ACTIONS: Final[Mapping[str, str]] = {
    "consent.request": "consent-requests-made",
    "consent.request.received": "consent-requests-received",
    "consent.approve": "consents-granted",
    "consent.deny": "consents-denied",
    "consent.revoke": "consents-revoked",
    "consent.revocation.received": "consent-revocations-received",
    "item.downgrade.received": "downgrade-notices-received",
    "item.copy": "copies",
    "item.translate": "translations",
    "item.destroy": "destructions",
    "compromise.report": "compromise-cases-opened",
    "compromise.close": "compromise-cases-closed",
    "compromise.notice.received": "compromise-notices-received",
}

_REFUSABLE: Final = ("item.", "consent.", "compromise.")
"""The actions whose refusals a report counts: what is done with CMI, not reading the records."""


@dataclass(frozen=True)
class EventFacts:
    """What the rule needs to know about one journal event and the node that wrote it.

    Attributes:
        action: The event's action (``item.send``).
        outcome: ``ok``, ``refused``, …
        item_id: The item it is about, if any (its prefix names the originating party).
        detail: The event's detail, as journalled.
        agreement: The agreement the report is about.
        own_party: The party of the node whose journal it is.
        partners: The other parties of the agreement.
        items: The ids of the items that travelled under the agreement (sent or received).
        party_of_node: The party of each node the node knows (``kor-mnd`` -> ``KOR``).
        level_row: The name of the agreement's equivalence row holding a level of a party,
            e.g. ``("JPN", "秘")`` -> ``"秘 = 군사Ⅲ급비밀"``; None for a level outside the table.
    """

    action: str
    outcome: str
    item_id: str | None
    detail: Mapping[str, object]
    agreement: str
    own_party: str
    partners: Collection[str]
    items: Collection[str]
    party_of_node: Mapping[str, str]
    level_row: Callable[[str, str], str | None]


def _join(*words: str) -> str:
    return SEPARATOR.join(words)


def _text(detail: Mapping[str, object], key: str) -> str:
    value = detail.get(key)
    return value if isinstance(value, str) else "unknown"


def _originator(item_id: str | None) -> str:
    """The originating party of an item, from its id (``jpn-…`` -> ``JPN``)."""
    return item_id.split("-", 1)[0].upper() if item_id else "unknown"


def _traffic(family: str, partner: str, facts: EventFacts, level_party: str) -> list[str]:
    detail = facts.detail
    base = _join(family, partner)
    level = facts.level_row(level_party, _text(detail, "classification")) or "unknown"
    return [
        base,
        _join(base, "precedence", _text(detail, "precedence")),
        _join(base, "kind", _text(detail, "kind")),
        _join(base, "level", level),
    ]


def figures_of(facts: EventFacts) -> list[str]:
    """The figures one journal event counts in (none when it is not about the agreement).

    * ``item.send`` ok under the agreement: ``sent|P`` (P the party it went to) and its
      precedence, kind and level; also ``relayed|P`` when the item originated at a third party;
    * ``item.receive`` ok under the agreement: ``received|P`` (P the sending node's party)
      and its breakdowns;
    * consent, downgrade, copy, translation, destruction and compromise events about an item
      that travelled under the agreement: their family (:data:`_ITEM_ACTIONS`); a consent
      decision received counts as a grant or a denial received, a downgrade as a
      declassification when it declassified;
    * a refusal of an action on CMI (``item.*``, ``consent.*``, ``compromise.*``) under the
      agreement (its detail names the agreement, it is about one of its items, or it was a
      send to one of its parties — given as ``to``): ``refusals|ERROR``, the kind of error
      (``PolicyDenied``, ``AgreementStateError``…), never its words, which may name a person
      or an item.
    """
    detail = facts.detail
    under = detail.get("agreement_id") == facts.agreement
    if facts.outcome == "refused":
        if not facts.action.startswith(_REFUSABLE):
            return []
        ours = (
            under
            or (facts.item_id is not None and facts.item_id in facts.items)
            or (
                "agreement_id" not in detail
                and facts.action == "item.send"
                and detail.get("to") in facts.partners
            )
        )
        return [_join("refusals", _text(detail, "error"))] if ours else []
    if facts.outcome != "ok":
        return []
    if facts.action == "item.send" and under:
        partner = _text(detail, "to")
        out = _traffic("sent", partner, facts, _originator(facts.item_id))
        if _originator(facts.item_id) not in (facts.own_party, partner):
            out.append(_join("relayed", partner))
        return out
    if facts.action == "item.receive" and under:
        partner = facts.party_of_node.get(_text(detail, "from"), "unknown")
        return _traffic("received", partner, facts, _originator(facts.item_id))
    if facts.item_id is None or facts.item_id not in facts.items:
        return []
    if facts.action == "consent.decision.received":
        return ["consent-grants-received" if detail.get("approved") is True else "consent-denials-received"]
    if facts.action == "item.downgrade":
        return ["declassifications" if detail.get("declassified") is True else "downgrades"]
    family = _ITEM_ACTIONS.get(facts.action)
    return [] if family is None else [family]


_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "sent": {"en": "Items sent to {p}", "ko": "{p}에 보낸 항목", "ja": "{p}へ送付した項目"},
    "received": {"en": "Items received from {p}", "ko": "{p}에서 받은 항목", "ja": "{p}から受領した項目"},
    "relayed": {"en": "Items relayed to {p}", "ko": "{p}에 중계한 항목", "ja": "{p}へ中継した項目"},
    "consent-requests-made": {"en": "Consent requests made", "ko": "동의 요청(보냄)", "ja": "同意要請(送付)"},
    "consent-requests-received": {
        "en": "Consent requests received",
        "ko": "동의 요청(받음)",
        "ja": "同意要請(受領)",
    },
    "consents-granted": {"en": "Consents granted", "ko": "동의 승인", "ja": "同意の付与"},
    "consents-denied": {"en": "Consents denied", "ko": "동의 거부", "ja": "同意の拒否"},
    "consents-revoked": {"en": "Consents revoked", "ko": "동의 철회", "ja": "同意の撤回"},
    "consent-grants-received": {"en": "Consents received", "ko": "받은 동의", "ja": "受領した同意"},
    "consent-denials-received": {"en": "Denials received", "ko": "받은 거부", "ja": "受領した拒否"},
    "consent-revocations-received": {
        "en": "Revocations received",
        "ko": "받은 철회",
        "ja": "受領した撤回",
    },
    "downgrades": {"en": "Downgrades", "ko": "등급 하향", "ja": "格下げ"},
    "declassifications": {"en": "Declassifications", "ko": "비밀 해제", "ja": "指定解除"},
    "downgrade-notices-received": {
        "en": "Downgrade notices received",
        "ko": "받은 등급 변경 통지",
        "ja": "受領した格下げ通知",
    },
    "copies": {"en": "Copies", "ko": "사본", "ja": "複製"},
    "translations": {"en": "Translations", "ko": "번역", "ja": "翻訳"},
    "destructions": {"en": "Destructions", "ko": "파기", "ja": "破棄"},
    "compromise-cases-opened": {
        "en": "Compromise cases opened",
        "ko": "누설 사건 개시",
        "ja": "漏えい事案の開始",
    },
    "compromise-cases-closed": {
        "en": "Compromise cases closed",
        "ko": "누설 사건 종결",
        "ja": "漏えい事案の終結",
    },
    "compromise-notices-received": {
        "en": "Compromise notices received",
        "ko": "받은 누설 통지",
        "ja": "受領した漏えい通知",
    },
    "refusals": {"en": "Refusals: {p}", "ko": "거부: {p}", "ja": "拒否: {p}"},
}
_DIMENSIONS: Final[Mapping[str, Mapping[str, str]]] = {
    "precedence": {"en": "precedence", "ko": "우선순위", "ja": "優先度"},
    "kind": {"en": "kind", "ko": "종류", "ja": "種類"},
    "level": {"en": "level", "ko": "등급", "ja": "等級"},
}
LANGUAGES: Final = ("en", "ko", "ja")


def figure_label(figure: str, lang: str) -> str:
    """A figure's name in words, in ``lang`` (``en``, ``ko`` or ``ja``; English otherwise)."""
    words = figure.split(SEPARATOR)
    lang = lang if lang in LANGUAGES else "en"
    family = _LABELS.get(words[0])
    if family is None:
        return figure
    label = family[lang].format(p=words[1] if len(words) > 1 else "")
    if len(words) >= 4:
        dimension = _DIMENSIONS.get(words[2], {}).get(lang, words[2])
        label = f"{label} — {dimension}: {words[3]}"
    return label
