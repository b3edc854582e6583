"""The node: opening a home, creating a new one, and the services over it."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from accord.crypto import (
    HpkeCnsaKeyPair,
    HpkeKeyPair,
    SigningKeys,
    TlsIdentity,
    certificate_fingerprint,
    generate_tls_identity,
    new_data_key,
)
from accord.errors import Conflict, InvalidInput, NotFound, StorageError
from accord.exchange import endpoint_address
from accord.limits import MAX_DOCUMENT_BYTES, read_bounded
from accord.markings import SCHEMES, is_party_code
from accord.node.audit._journal import JournalService
from accord.node.audit._ledger import LedgerService
from accord.node.core._context import Clock, NodeContext, utc_now
from accord.node.core._home import HomeLayout, NodeConfig, write_private, write_public
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access import AccessService
from accord.node.holdings._holding_counts import STATE_CHANGES
from accord.node.holdings._items import ItemService
from accord.node.registry._accounts import RFC9106_LOW_MEMORY, AccountService, PasswordHashing
from accord.node.registry._agreements import AgreementService
from accord.node.registry._console_sessions import ConsoleSessionService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import UserService
from accord.store import BlobStore, Database, JournalRow, format_stamp, sqlite_url

if TYPE_CHECKING:
    from accord.node._wings import Wings
    from accord.node._worker import DeliveryWorker, TransportFactory
    from accord.node.audit._oversight import OversightService
    from accord.node.audit._witness import WitnessService
    from accord.node.custody._compromise import CompromiseService
    from accord.node.custody._custody import CustodyService
    from accord.node.custody._register import RegisterService
    from accord.node.originator._consents import ConsentService
    from accord.node.originator._disposal import DisposalService
    from accord.node.originator._notices import NoticeService
    from accord.node.originator._receipts import ConsentReceiptService
    from accord.node.transfer._bundles import BundleService
    from accord.node.transfer._dashboard import Dashboard
    from accord.node.transfer._delivery import DeliveryService
    from accord.node.transfer._exchange_desk import ExchangeDesk
    from accord.node.transfer._receiving import ReceivingService
    from accord.node.transfer._sending import SendingService

__all__ = ["NewNode", "Node"]

_DATA_KEY_LEN = 32


@dataclass(frozen=True, slots=True)
class NewNode:
    """What a new node is to be (``accord init``): its party, id, scheme, endpoint and database.

    ``node_id`` is ``<party>-node-<6 hex digits>`` when not given, ``scheme`` the party's
    own, ``database_url`` an SQLite file in the node's home.
    """

    party: str
    node_id: str | None = None
    scheme: str | None = None
    endpoint: str = "https://127.0.0.1:8443"
    database_url: str | None = None

    def config(self, now: datetime) -> NodeConfig:
        """The new node's configuration, created at ``now``: party and scheme checked, defaults filled in.

        Raises:
            InvalidInput: bad party, scheme, node id or endpoint (not ``https://host:port``).
        """
        endpoint_address(self.endpoint)  # the rule `accord serve` listens by and cards are checked by
        party = self.party.strip().upper()
        if not is_party_code(party):
            raise InvalidInput(f"{party!r} is not an ISO 3166 alpha-3 party code")
        scheme = (self.scheme or party).upper()
        if scheme not in SCHEMES:
            raise InvalidInput(
                f"no built-in classification scheme {scheme!r}; use --scheme with one of {sorted(SCHEMES)}"
            )
        return NodeConfig(
            node_id=self.node_id or f"{party.lower()}-node-{new_data_key()[:3].hex()}",
            party=party,
            scheme=scheme,
            endpoint=self.endpoint,
            database_url=self.database_url or "",
            created=format_stamp(now),
        )


class Node:
    """An open Accord node: one party's competent authority's system."""

    def __init__(self, ctx: NodeContext, *, password_hashing: PasswordHashing = RFC9106_LOW_MEMORY) -> None:
        """Wrap an opened context (use :meth:`open` or :meth:`init`)."""
        self.ctx = ctx
        self.parties = PartyService(ctx)
        self.agreements = AgreementService(ctx, self.parties)
        self.users = UserService(ctx)
        self.accounts = AccountService(ctx, self.users, password_hashing=password_hashing)
        self.sessions = ConsoleSessionService(ctx, self.users, self.accounts)
        self.access = AccessService(ctx, self.agreements)
        self.journal = JournalService(ctx, self.users, self.access)
        self.items = ItemService(ctx, self.parties, self.agreements, self.users, self.access)
        self.ledger = LedgerService(ctx)
        # A signed checkpoint right after every FLASH send or receipt (issue 5).
        ctx.flash_hooks.append(self._seal_now)
        ctx.flash_sealer = self.ledger.seal_within
        # The exchange's wings are wired on first use (accord.node._wings): a listing
        # imports none of them. Once, under a lock: serving threads share one wiring.
        self._wired: Wings | None = None
        self._wiring = threading.Lock()

    def _wings(self) -> Wings:
        wired = self._wired
        if wired is None:
            with self._wiring:
                if self._wired is None:
                    from accord.node._wings import wire  # noqa: PLC0415 - see __init__

                    self._wired = wire(self)
                wired = self._wired
        return wired

    @property
    def sending(self) -> SendingService:
        """Releases to partners: the outbox's envelopes (Arts. 9–12)."""
        return self._wings().sending

    @property
    def consents(self) -> ConsentService:
        """The originator's consents to pass items on (Art. 6)."""
        return self._wings().consents

    @property
    def notices(self) -> NoticeService:
        """Downgrade and declassification notices (Art. 6)."""
        return self._wings().notices

    @property
    def receiving(self) -> ReceivingService:
        """What partners send: items and control messages, each to its handler."""
        return self._wings().receiving

    @property
    def consent_receipts(self) -> ConsentReceiptService:
        """Third parties' receipts of items passed on under a consent (Art. 6)."""
        return self._wings().consent_receipts

    @property
    def custody(self) -> CustodyService:
        """Copies, translations, destruction (Arts. 13–16)."""
        return self._wings().custody

    @property
    def disposal(self) -> DisposalService:
        """Requests to return or destroy (Arts. 6, 15)."""
        return self._wings().disposal

    @property
    def register(self) -> RegisterService:
        """The holdings register, dissemination record and reconciliation (Arts. 6, 11)."""
        return self._wings().register

    @property
    def delivery(self) -> DeliveryService:
        """The outbox by precedence lane, receipts, back-off."""
        return self._wings().delivery

    @property
    def bundles(self) -> BundleService:
        """Offline bundles for an air-gapped link."""
        return self._wings().bundles

    @property
    def desk(self) -> ExchangeDesk:
        """The outbox, receipts and quarantine as an officer sees them."""
        return self._wings().desk

    @property
    def dashboard(self) -> Dashboard:
        """The exchange in figures, as one person may see them."""
        return self._wings().dashboard

    @property
    def oversight(self) -> OversightService:
        """Oversight reports from the witnessed ledger."""
        return self._wings().oversight

    @property
    def compromise(self) -> CompromiseService:
        """Loss or compromise of CMI (Art. 17)."""
        return self._wings().compromise

    @property
    def witness(self) -> WitnessService:
        """Partners countersigning each other's checkpoints."""
        return self._wings().witness

    def worker(self, *, transport_factory: TransportFactory | None = None) -> DeliveryWorker:
        """A delivery worker for this node (start it; stop it before closing the node)."""
        from accord.node._worker import DeliveryWorker  # noqa: PLC0415 - see __init__

        return DeliveryWorker(
            self.ctx,
            self.parties,
            self.delivery,
            transport_factory=transport_factory,
            publish=self.witness.publish,
        )

    def on_item_state_changes(self, listener: Callable[[frozenset[str]], None]) -> None:
        """Call ``listener`` with the ids of the items whose state an act of this process changed
        (:data:`~accord.node.holdings._holding_counts.STATE_CHANGES`: its users' acts and the
        partners' messages it received), once that act has committed.

        For what an interface keeps of the items: it drops them at once, instead of at its next
        :meth:`ItemService.counts` (which still tells of other processes' changes). A bound
        method is held weakly; the listener runs in the committing thread and fails nothing.
        """
        self.ctx.db.after_commit_of(STATE_CHANGES, listener)

    def tls_identity(self) -> TlsIdentity:
        """This node's TLS certificate and key (PEM), for the peer API server.

        Raises:
            StorageError: the files cannot be read.
        """
        try:
            cert, key = _own_file(self.ctx.home.tls_cert), _own_file(self.ctx.home.tls_key)
        except (OSError, NotFound) as exc:
            raise StorageError(f"cannot read the TLS identity: {exc}") from exc
        return TlsIdentity(key, cert, certificate_fingerprint(cert))

    @property
    def config(self) -> NodeConfig:
        """The node's configuration."""
        return self.ctx.config

    @classmethod
    def init(
        cls,
        root: Path,
        new: NewNode,
        *,
        clock: Clock = utc_now,
        password_hashing: PasswordHashing = RFC9106_LOW_MEMORY,
    ) -> Node:
        """Create a new node home for ``new``: keys (0600), certificate, config, database.

        ``password_hashing`` stays at its RFC 9106 default outside test suites.

        Raises:
            InvalidInput: bad party, scheme or node id.
            Conflict: a node or other files already exist at ``root``.
            StorageError: the database cannot be created.
        """
        now = clock()
        config = new.config(now)
        layout = HomeLayout(root.resolve())
        layout.ensure_new()
        created_root = not layout.root.exists()
        layout.root.mkdir(parents=True, exist_ok=True)
        node: Node | None = None
        try:
            layout.keys.mkdir(mode=0o700)
            signing = SigningKeys.generate()
            write_private(layout.signing_key, signing.to_private_bytes())
            write_private(layout.hpke_key, HpkeKeyPair.generate().to_private_bytes())
            write_private(layout.hpke_cnsa_key, HpkeCnsaKeyPair.generate().to_private_bytes())
            tls = generate_tls_identity(config.node_id, now=now)
            write_private(layout.tls_key, tls.key_pem)
            write_public(layout.tls_cert, tls.cert_pem)
            write_private(layout.data_key, new_data_key())
            if not config.database_url:
                # The database holds the journal and wrapped keys: owner-only, like the keys.
                write_private(layout.database, b"")
            node = cls._open(layout, config, clock, password_hashing)
            # A schema migrated ahead of time (by a DBA, or a test template) holds no node
            # until something is journalled in it; every node journals its own init first.
            if "journal" in node.ctx.db.tables() and _journals_anything(node.ctx.db):
                raise Conflict("that database already holds an Accord node; give each node its own database")
            node.ctx.db.migrate()
            with node.ctx.db.transaction() as session:
                journal_done(
                    session,
                    Act("authority", now),
                    "node.init",
                    detail={
                        "node_id": config.node_id,
                        "party": config.party,
                        "scheme": config.scheme,
                        "fingerprint": signing.public().fingerprint(),
                    },
                )
            # Written last: a node exists only once everything it needs is in place.
            write_public(layout.config, config.to_toml().encode("utf-8"))
        except Exception:
            # Leave the folder as it was (empty or absent) so that init can simply be retried.
            if node is not None:
                node.close()
            _remove_contents(layout.root, remove_root=created_root)
            raise
        return node

    @classmethod
    def open(
        cls, root: Path, *, clock: Clock = utc_now, password_hashing: PasswordHashing = RFC9106_LOW_MEMORY
    ) -> Node:
        """Open an existing node home and bring its schema up to date.

        ``password_hashing`` stays at its RFC 9106 default outside test suites.

        Raises:
            NotFound: no node at ``root``.
            InvalidInput: config or key files are malformed.
            StorageError: the database cannot be opened.
        """
        layout = HomeLayout(root.resolve())
        config = layout.read_config()
        node = cls._open(layout, config, clock, password_hashing)
        node.ctx.db.migrate()
        return node

    @classmethod
    def _open(
        cls, layout: HomeLayout, config: NodeConfig, clock: Clock, password_hashing: PasswordHashing
    ) -> Node:
        try:
            signing = SigningKeys.from_private_bytes(_own_file(layout.signing_key))
            hpke = HpkeKeyPair.from_private_bytes(_own_file(layout.hpke_key))
            hpke_cnsa = HpkeCnsaKeyPair.from_private_bytes(_own_file(layout.hpke_cnsa_key))
            cert = _own_file(layout.tls_cert).decode("ascii")
            data_key = _own_file(layout.data_key)
        except (OSError, NotFound) as exc:
            raise StorageError(f"cannot read the node's keys: {exc}") from exc
        if len(data_key) != _DATA_KEY_LEN:
            raise InvalidInput("keys/data.key must hold 32 bytes")
        url = config.database_url or sqlite_url(layout.database)
        if not re.match(r"^[a-z0-9+]+://", url):
            raise InvalidInput(f"database_url {url!r} is not an SQLAlchemy URL")
        ctx = NodeContext(
            home=layout,
            config=config,
            keys=signing,
            hpke=hpke,
            hpke_cnsa=hpke_cnsa,
            tls_certificate_pem=cert,
            data_key=data_key,
            db=Database(url, bell=layout.run),
            blobs=BlobStore(layout.blobs),
            clock=clock,
        )
        return cls(ctx, password_hashing=password_hashing)

    def _seal_now(self) -> None:
        self.ledger.seal(urgent=True)

    def close(self) -> None:
        """Release the database connections."""
        self.ctx.db.dispose()


def _journals_anything(db: Database) -> bool:
    with db.transaction(read_only=True) as session:
        return session.scalars(select(JournalRow.seq).limit(1)).first() is not None


def _own_file(path: Path) -> bytes:
    """One of the node's own key or certificate files, refused unread above 1 MiB."""
    return read_bounded(path, limit=MAX_DOCUMENT_BYTES, what=f"the node's file {path.name}")


def _remove_contents(root: Path, *, remove_root: bool) -> None:
    """Remove what a failed init wrote into ``root`` (which it found empty or absent)."""
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    if remove_root:
        root.rmdir()
