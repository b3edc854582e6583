"""The release checks of ``send``, with reasons (Arts. 4, 6, 21).

:meth:`ReleaseChecks.authorise` runs them for one item of a :class:`ReleaseRequest` (who
releases to which party, when), as named steps: the officer may read it (someone who may
not is told it does not exist); the agreement with the receiving party is in force and the
label may travel under it (:meth:`~ReleaseChecks.agreement_for`: equivalent level, topics,
*Releasable To*, Art. 4); an item provided by a partner goes on only with its originator's
consent (:meth:`~ReleaseChecks.consent_for`, Art. 6); the decision point allows the release
(role, clearance, the consent's conditions). :meth:`ReleaseChecks.payload` then builds what
travels: label, binding, content, the attachments' keys, and the consent token when there
is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from accord.agreements import Agreement, Status
from accord.errors import PolicyDenied
from accord.exchange import AttachmentManifest, ConsentToken, ItemPayload
from accord.node.core._principal import Act
from accord.node.holdings._access import Release, consent_terms, require_scope
from accord.node.holdings._consent_book import PassingOn, usable_consent
from accord.node.holdings._items import ItemView
from accord.node.holdings._resources import Consented
from accord.node.holdings._vault import unwrap_blob_key
from accord.node.holdings._verifying import Prefetched
from accord.node.registry._users import User
from accord.node.transfer._services import FootingBase
from accord.policy import Decision, Passage, may_travel
from accord.store import ItemRepository, ItemRow

__all__ = ["Authorised", "ReleaseChecks", "ReleaseRequest"]


@dataclass(frozen=True)
class ReleaseRequest:
    """One release of items by ``user`` to party ``to``, at one moment, in one transaction.

    ``agreement_id`` is the agreement asked for (``None``: the one that covers ``to``);
    ``checked`` caches each agreement wanted and its status for the request (one look per
    agreement, however many items); ``rows`` the items' rows, ``prefetched`` what verifying
    them reads besides and ``consented`` the consents they are held under, when the caller
    read them for all the items at once.
    """

    session: Session
    user: User
    to: str
    agreement_id: str | None
    now: datetime
    checked: dict[str | None, tuple[Agreement, Status]] = field(default_factory=dict)
    rows: dict[str, ItemRow] = field(default_factory=dict)
    prefetched: Prefetched | None = None
    consented: Consented | None = None

    @property
    def act(self) -> Act:
        """The releasing user, now: who and when of what the release writes."""
        return Act(self.user.name, self.now)


@dataclass(frozen=True)
class Authorised:
    """A release that passed every check: what it goes under, and the decision's obligations."""

    view: ItemView
    agreement: Agreement
    consent: ConsentToken | None
    decision: Decision


class ReleaseChecks(FootingBase):
    """The sender's checks of one item's release (Arts. 4, 6, 21)."""

    def authorise(self, request: ReleaseRequest, row: ItemRow) -> Authorised:
        """Run every check of releasing ``row`` to party ``request.to``.

        Raises:
            NotFound: the item is withheld from ``user``, or no agreement covers ``to``.
            PolicyDenied: not releasable, out of scope, no consent, or the decision point refuses.
            TranslationRefused: the level has no equivalent in the recipient's scheme.
            AgreementStateError: the agreement is not in force today.
        """
        session, user, to, now = request.session, request.user, request.to, request.now
        # Someone who may not read the item is told it does not exist (no probing).
        resource = self._items.resource_of(row, request.consented)
        self._access.require_read(session, user, resource, now)
        view = self._items.view_in(session, row, request.prefetched)
        agreement, status = self.agreement_for(request, view)
        # Art. 6: an item provided by a partner goes on only with its originator's consent.
        consent = None
        if view.originator_node != self._ctx.config.node_id:
            try:
                consent = self.consent_for(session, view, to, now)
            except PolicyDenied:
                # Held under a consent that forbids passing it on (Art. 6): the decision
                # point's reason (the condition, the consent) comes first.
                if any(not terms.onward_release for terms in resource.consents):
                    self._access.require_release(
                        session, user, resource, now, Release(agreement, to, status=status)
                    )
                raise
        terms = consent_terms(consent) if consent is not None else None
        release = Release(agreement, to, terms, status)
        decision = self._access.require_release(session, user, resource, now, release)
        return Authorised(view, agreement, consent, decision)

    def agreement_for(self, request: ReleaseRequest, view: ItemView) -> tuple[Agreement, Status]:
        """The agreement the release goes under and its status now, once the label may travel
        under it (Arts. 4, 21).

        Raises:
            NotFound: no agreement covers ``to``.
            PolicyDenied: ``to`` is our own party, or the label may not travel.
            TranslationRefused: the level has no equivalent in the recipient's scheme.
            AgreementStateError: the agreement is not in force today.
        """
        own, to, agreement_id, checked = self._ctx.config, request.to, request.agreement_id, request.checked
        label = view.marking.originator
        relayed = view.originator_node != own.node_id
        if to == own.party:
            raise PolicyDenied(f"{to} is this node's own party")
        # An onward release goes under the agreement with the receiving party, not the one
        # the originator provided the item under.
        wanted = agreement_id if relayed else agreement_id or label.agreement
        if wanted not in checked:  # once per agreement in one send
            agreement = self._agreements.covering(request.session, to, wanted=wanted)
            checked[wanted] = (
                agreement,
                self._agreements.status_in(request.session, agreement.id, request.now),
            )
        agreement, status = checked[wanted]
        # An onward release translates from the label this node holds the item under when
        # the agreement does not know the originator's scheme (Art. 4).
        source = label
        if relayed and label.policy not in agreement.schemes:
            source = view.marking.for_scheme(own.scheme) or label
        require_scope(may_travel(label, agreement, status, Passage(to=to, direct=not relayed, source=source)))
        return agreement, status

    def consent_for(self, session: Session, view: ItemView, to: str, now: datetime) -> ConsentToken:
        """The originator's consent this node holds to pass the item on to ``to`` (Art. 6).

        Raises:
            PolicyDenied: none usable is held.
        """
        passing = PassingOn(
            item_id=view.id,
            content_sha384=view.content.sha384(),
            originator_party=view.originator_party,
            holder_party=self._ctx.config.party,
            third_party=to,
        )
        return usable_consent(session, self._parties, passing, now)

    def payload(
        self,
        session: Session,
        row: ItemRow,
        view: ItemView,
        consent: ConsentToken | None,
        prefetched: Prefetched | None = None,
    ) -> ItemPayload:
        """What travels: label, binding, content, the attachments' keys, the consent token."""
        item_key = self._items.item_key(row)
        manifests = []
        attachments = (
            ItemRepository(session).attachments(row.id)
            if prefetched is None
            else prefetched.attachments.get(row.id, [])
        )
        for att, ref in zip(attachments, view.attachments, strict=True):
            key = unwrap_blob_key(item_key, att.wrapped_key, row.id, att.position)
            manifests.append(AttachmentManifest(ref, att.blob_id, self._ctx.blobs.size(att.blob_id), key))
        return ItemPayload(
            item_id=row.id,
            originator_node=row.originator_node,
            originator_party=row.originator_party,
            label=view.marking.originator,
            binding=view.binding,
            content=view.content,
            attachments=tuple(manifests),
            consent=consent,
        )
