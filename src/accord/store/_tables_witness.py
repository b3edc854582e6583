"""Tables of ledger witnessing: partners' checkpoints seen, our checkpoints countersigned, alarms.

``witness_seen`` keeps, per partner node, the newest signed checkpoint of its ledger that
this node accepted: the next one must extend it. ``witness_published`` keeps, per partner,
the size of our latest checkpoint we offered it (so that an unchanged ledger is not offered
again). ``witness_countersignatures`` keeps the countersignatures partners returned for our
checkpoints, ``witness_alarms`` the evidence of a partner's fork or rollback: both of its
signed checkpoints that are not consistent, and ``witness_alarm_acks`` who acknowledged an
alarm, when, and with what finding (one per alarm; an acknowledged alarm is closed).
``witness_demands`` keeps the consistency
proofs this node asked a partner for (a larger checkpoint offered without a proof from the
one held, or a checkpoint a fellow witness holds), ``witness_gossip`` what we last told a
fellow witness we hold, and ``background_backoff`` the background messages a peer keeps
refusing (issue 10). Checkpoints are stored as the JSON of
``SignedCheckpoint.to_dict`` (``{"checkpoint", "signature"}``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._tables import TIME, Base

__all__ = [
    "BackgroundBackoffRow",
    "WitnessAlarmAckRow",
    "WitnessAlarmRow",
    "WitnessCountersignatureRow",
    "WitnessDemandRow",
    "WitnessGossipRow",
    "WitnessPublishedRow",
    "WitnessSeenRow",
]


class WitnessSeenRow(Base):
    """The newest checkpoint of ``origin``'s ledger this node accepted, signed by ``origin``."""

    __tablename__ = "witness_seen"
    origin: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(String(64))
    time: Mapped[str] = mapped_column(TIME)
    signed_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[str] = mapped_column(TIME)


class WitnessPublishedRow(Base):
    """The size of our newest checkpoint offered to ``peer``, and when."""

    __tablename__ = "witness_published"
    peer: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[str] = mapped_column(TIME)


class WitnessCountersignatureRow(Base):
    """A partner's signed word that it holds our checkpoint of ``size`` (one per witness and size)."""

    __tablename__ = "witness_countersignatures"
    __table_args__ = (UniqueConstraint("witness", "size"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    witness: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(TIME)
    countersignature_json: Mapped[str] = mapped_column(Text)
    received_at: Mapped[str] = mapped_column(TIME)


class WitnessAlarmRow(Base):
    """A partner presented two signed checkpoints that are not consistent: a fork or a rollback.

    ``held_json`` is the checkpoint this node held, ``presented_json`` the one that
    contradicts it; both carry ``origin``'s signature, so together they prove it.
    """

    __tablename__ = "witness_alarms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    held_json: Mapped[str] = mapped_column(Text)
    presented_json: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(64))
    detected_at: Mapped[str] = mapped_column(TIME, index=True)


class WitnessDemandRow(Base):
    """A consistency proof this node demanded of ``origin`` and has not had yet.

    ``from_json`` and ``to_json`` are two checkpoints signed by ``origin`` that this node
    must see related by a consistency proof (RFC 9162 §2.1.4): the one it held and a larger
    one presented without a proof from it, or one a fellow witness holds and ours.
    ``message_id`` is the ``proof-request`` envelope we sent; once the origin received it
    (its receipt) or refused it, a proof that does not come is an alarm.
    """

    __tablename__ = "witness_demands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(64), index=True)
    from_size: Mapped[int] = mapped_column(BigInteger)
    to_size: Mapped[int] = mapped_column(BigInteger)
    from_json: Mapped[str] = mapped_column(Text)
    to_json: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    demanded_at: Mapped[str] = mapped_column(TIME)


class WitnessGossipRow(Base):
    """The size of ``origin``'s checkpoint we last told the fellow witness ``peer`` we hold."""

    __tablename__ = "witness_gossip"
    peer: Mapped[str] = mapped_column(String(64), primary_key=True)
    origin: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)


class BackgroundBackoffRow(Base):
    """Background messages of ``kind`` that ``peer`` keeps refusing: sent again only after a back-off.

    ``refused`` counts the refusals in a row; the next message of that kind goes to that peer
    no earlier than ``until``. A receipt for one ends it (the row is deleted).
    """

    __tablename__ = "background_backoff"
    peer: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    refused: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[str] = mapped_column(TIME)
    last_at: Mapped[str] = mapped_column(TIME)
    until: Mapped[str] = mapped_column(TIME)


class WitnessAlarmAckRow(Base):
    """An officer's acknowledgement of an alarm: who, when, with what finding (closes it)."""

    __tablename__ = "witness_alarm_acks"
    alarm_id: Mapped[int] = mapped_column(ForeignKey("witness_alarms.id"), primary_key=True)
    acknowledged_by: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[str] = mapped_column(TIME)
    finding: Mapped[str] = mapped_column(Text)
