"""The one place the APIs choose an HTTP status for an error (STYLE.md, "Errors").

Each error family has one status. The user API answers with it and the reason
(:func:`user_status`); the peer API keeps only what a peer may learn from it, rejected,
unavailable or internal (:func:`peer_status`), the reason staying at the node.
"""

from __future__ import annotations

from accord.errors import (
    AccordError,
    AgreementStateError,
    Conflict,
    IntegrityError,
    InvalidInput,
    NotFound,
    PolicyDenied,
    StorageError,
    VerificationFailed,
)

__all__ = ["peer_status", "user_status"]

# Most specific first, as the CLI's exit codes. A family not here (TransportError, the root)
# is no refusal of the request: the user API answers 400 with the reason, the peer API 500.
_STATUSES: tuple[tuple[type[AccordError], int], ...] = (
    (InvalidInput, 400),
    (VerificationFailed, 400),
    (PolicyDenied, 403),
    (AgreementStateError, 403),
    (NotFound, 404),
    (IntegrityError, 409),
    (Conflict, 409),
    (StorageError, 503),
)


def _family_status(exc: BaseException) -> int | None:
    for family, status in _STATUSES:
        if isinstance(exc, family):
            return status
    return None


def user_status(exc: AccordError) -> int:
    """The status of a refusal the user API explains (its body carries the reason)."""
    return _family_status(exc) or 400


def peer_status(exc: BaseException) -> int:
    """The status shown to a peer: 503 when storage failed, 400 for any request the node
    refused, 500 for anything else (the body then says only ``rejected``, ``unavailable`` or
    ``internal``)."""
    status = _family_status(exc)
    if status is None:
        return 500
    return 503 if status == 503 else 400
