"""The grounds every consent step stands on: the agreement an item was provided under,
and the officer's standing to decide about it (Arts. 6, 21).

Asking, deciding and revoking each travel under the agreement the item was provided under,
which must still be in force (:meth:`ConsentGrounds.provided_under`, Art. 21). Deciding or
revoking at the originator is a release decision about its own item, to the holder:
role, clearance, need to know (:meth:`ConsentGrounds.officer_check`); someone who may not
read the item is told the request (or consent) does not exist.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.errors import AgreementStateError, NotFound, Withheld
from accord.markings import Marking
from accord.node.holdings._access import Release
from accord.node.transfer._services import ServiceBase
from accord.store import ConsentRow, ItemRepository, ItemRow

__all__ = ["ConsentGrounds"]


class ConsentGrounds(ServiceBase):
    """The agreement a consent step travels under, and who may decide (Arts. 6, 21).

    The base of every consent step (:class:`~._consent_asking.ConsentAsking`,
    :class:`~._consent_decisions.ConsentDecisions`, :class:`~._consent_revocation.ConsentRevoking`).
    """

    def provided_under(self, session: Session, marking: Marking, *, party: str | None = None) -> Agreement:
        """The agreement an item was provided under, in force (Art. 21).

        Raises:
            NotFound: the item names no agreement and ``party`` is not given, or no
                agreement covers us and ``party``.
            AgreementStateError: that agreement allows nothing new any more.
        """
        wanted = marking.agreement_in(self._ctx.config.scheme)
        if wanted is None:
            if party is None:
                raise NotFound("the item names no agreement it was provided under")
            agreement = self._agreements.covering(session, party)
        else:
            agreement = self._agreements.get_in(session, wanted)
        status = self._agreements.status_in(session, agreement.id, self._ctx.now())
        if not status.new_exchange_allowed:
            raise AgreementStateError(
                f"{agreement.id} is {status.state.value} on {status.day}: nothing new under it (Art. 21)"
            )
        return agreement

    def officer_check(
        self, session: Session, row: ConsentRow, actor: str, now: datetime, missing: str
    ) -> tuple[ItemRow, Agreement]:
        """Check that ``actor`` may decide about ``row``'s item; return it and its agreement.

        Raises:
            NotFound: no such user, or the item is gone (``missing``).
            Withheld: ``actor`` may not read the item (``missing``, with the reason kept).
            PolicyDenied: ``actor`` may not release the item to the holder.
        """
        # Deciding is a release decision about our own item, to the holder, under the
        # agreement it was provided under: role, clearance, need to know, in force. Someone
        # who may not read the item is told the request (or consent) does not exist.
        user = self._users.get_in(session, actor)
        item = ItemRepository(session).get(row.item_id)
        if item is None:
            raise NotFound(missing)
        resource = self._items.resource_of(item)
        try:
            self._access.require_read(session, user, resource, now)
        except Withheld as exc:
            raise Withheld(missing, reason=exc.reason) from exc
        view = self._items.view_in(session, item)
        agreement = self.provided_under(session, view.marking, party=row.holder_party)
        self._access.require_release(session, user, resource, now, Release(agreement, row.holder_party))
        return item, agreement
