"""Storage: SQLAlchemy tables (SQLite default, PostgreSQL), migrations, blob store, journal."""

from accord.store._blobs import BlobStore
from accord.store._database import Database, sqlite_url
from accord.store._journal import Event, append_event, format_stamp, read_events
from accord.store._tables import (
    AgreementRow,
    AgreementSignatureRow,
    ApiTokenRow,
    AttachmentRow,
    Base,
    ConsentRow,
    InboxMessageRow,
    ItemNoticeRow,
    ItemRow,
    JournalRow,
    NoteRow,
    OutboxRow,
    PartyRow,
    PeerSequenceRow,
    QuarantineRow,
    ReceiptBatchRow,
    ReceiptRow,
    UserRow,
)

__all__ = [
    "AgreementRow",
    "AgreementSignatureRow",
    "ApiTokenRow",
    "AttachmentRow",
    "Base",
    "BlobStore",
    "ConsentRow",
    "Database",
    "Event",
    "InboxMessageRow",
    "ItemNoticeRow",
    "ItemRow",
    "JournalRow",
    "NoteRow",
    "OutboxRow",
    "PartyRow",
    "PeerSequenceRow",
    "QuarantineRow",
    "ReceiptBatchRow",
    "ReceiptRow",
    "UserRow",
    "append_event",
    "format_stamp",
    "read_events",
    "sqlite_url",
]
