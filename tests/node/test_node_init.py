"""Node.init and Node.open: the home, its key files, and what they refuse."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from support_node import Maker, events, row_counts

from accord.errors import Conflict, InvalidInput, NotFound, StorageError
from accord.node import NewNode, NewUser, Node, NodeConfig

PRIVATE = ("signing.key", "hpke.key", "hpke-cnsa.key", "tls.key", "data.key")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_creates_the_home(make_node: Maker, database_url: str, tmp_path: Path) -> None:
    node = make_node("JPN", "jpn-mod", database_url)
    home = tmp_path / "jpn-mod"
    assert node.ctx.home.root == home.resolve()
    for name in PRIVATE:
        assert _mode(home / "keys" / name) == 0o600, name
    assert _mode(home / "keys") == 0o700
    assert (home / "keys" / "tls.crt").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert len((home / "keys" / "data.key").read_bytes()) == 32
    assert (home / "blobs").is_dir()
    config = NodeConfig.from_toml((home / "config.toml").read_text(encoding="utf-8"))
    assert (config.node_id, config.party, config.scheme) == ("jpn-mod", "JPN", "JPN")
    assert config.created == "2026-11-25T09:00:00.000000Z"
    assert config.database_url == database_url
    assert not (home / "accord.db").exists()  # the given database is used, not the default
    (event,) = events(node)
    assert (event.action, event.outcome, event.actor) == ("node.init", "ok", "authority")
    assert event.detail["fingerprint"] == node.parties.own_card().fingerprint


def test_default_database_is_sqlite_in_the_home(make_node: Maker, tmp_path: Path) -> None:
    node = make_node("KOR", "kor-mnd")
    assert node.ctx.db.dialect == "sqlite"
    assert (tmp_path / "kor-mnd" / "accord.db").is_file()
    assert node.config.database_url == ""


def test_init_normalises_party_and_picks_a_node_id(tmp_path: Path) -> None:
    node = Node.init(tmp_path / "n", NewNode(party=" kor "))
    try:
        assert node.config.party == "KOR"
        assert node.config.scheme == "KOR"
        assert node.config.node_id.startswith("kor-node-")
    finally:
        node.close()


def test_init_with_another_scheme(tmp_path: Path) -> None:
    node = Node.init(tmp_path / "n", NewNode(party="NLD", node_id="nld-mod", scheme="nato"))
    try:
        assert node.config.scheme == "NATO"
    finally:
        node.close()


def test_open_returns_the_same_node(make_node: Maker, database_url: str, tmp_path: Path) -> None:
    made = make_node("JPN", "jpn-mod", database_url)
    made.users.add(NewUser("sato", role="analyst", clearance="極秘", ntk=[]), actor="authority")
    card = made.parties.own_card()
    counts = row_counts(made)
    made.close()
    opened = Node.open(tmp_path / "jpn-mod")
    try:
        assert opened.config == made.config
        assert opened.parties.own_card().body() == card.body()
        assert opened.users.get("sato").clearance.native == "極秘"
        assert row_counts(opened) == counts
    finally:
        opened.close()


def test_init_refuses_an_existing_node(make_node: Maker, database_url: str, tmp_path: Path) -> None:
    make_node("JPN", "jpn-mod", database_url)
    key = (tmp_path / "jpn-mod" / "keys" / "signing.key").read_bytes()
    with pytest.raises(Conflict, match="already exists"):
        Node.init(tmp_path / "jpn-mod", NewNode(party="JPN", node_id="jpn-mod", database_url=database_url))
    assert (tmp_path / "jpn-mod" / "keys" / "signing.key").read_bytes() == key


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    with pytest.raises(Conflict, match="not empty"):
        Node.init(home, NewNode(party="JPN"))
    assert sorted(p.name for p in home.iterdir()) == ["notes.txt"]


def test_init_accepts_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    Node.init(tmp_path / "empty", NewNode(party="JPN", node_id="jpn-mod")).close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"party": "JP"}, "ISO 3166", id="two-letter party"),
        pytest.param({"party": "JAPAN"}, "ISO 3166", id="party name"),
        pytest.param({"party": ""}, "ISO 3166", id="empty party"),
        pytest.param({"party": "JPN", "scheme": "XYZ"}, "no built-in classification scheme", id="bad scheme"),
        pytest.param({"party": "NLD"}, "no built-in classification scheme", id="party without scheme"),
        pytest.param({"party": "JPN", "node_id": "JPN-MOD"}, "node id", id="upper-case node id"),
        pytest.param({"party": "JPN", "node_id": "jp"}, "node id", id="node id too short"),
        pytest.param({"party": "JPN", "node_id": "-jpn"}, "node id", id="node id leading hyphen"),
        pytest.param({"party": "JPN", "node_id": "jpn mod"}, "node id", id="node id with space"),
        pytest.param({"party": "JPN", "node_id": "jpn-mod\n"}, "node id", id="node id trailing newline"),
        pytest.param({"party": "JPN", "node_id": "j" * 64}, "node id", id="node id too long"),
    ],
)
def test_init_refuses_bad_input_and_writes_nothing(
    tmp_path: Path, kwargs: dict[str, str], message: str
) -> None:
    home = tmp_path / "home"
    with pytest.raises(InvalidInput, match=message):
        Node.init(home, NewNode(**kwargs))
    assert not home.exists()


def test_open_of_a_missing_home_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no Accord node"):
        Node.open(tmp_path / "nowhere")


def test_open_of_a_folder_without_config_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "half").mkdir()
    with pytest.raises(NotFound):
        Node.open(tmp_path / "half")


def test_open_with_a_malformed_config_is_invalid(make_node: Maker, tmp_path: Path) -> None:
    make_node("JPN", "jpn-mod").close()
    config = tmp_path / "jpn-mod" / "config.toml"
    config.write_text(config.read_text() + 'colour = "red"\n')
    with pytest.raises(InvalidInput, match="unknown \\['colour'\\]"):
        Node.open(tmp_path / "jpn-mod")


def test_open_with_a_missing_key_is_a_storage_error(make_node: Maker, tmp_path: Path) -> None:
    make_node("JPN", "jpn-mod").close()
    (tmp_path / "jpn-mod" / "keys" / "hpke.key").unlink()
    with pytest.raises(StorageError, match="cannot read the node's keys"):
        Node.open(tmp_path / "jpn-mod")


def test_open_with_a_short_data_key_is_invalid(make_node: Maker, tmp_path: Path) -> None:
    make_node("JPN", "jpn-mod").close()
    (tmp_path / "jpn-mod" / "keys" / "data.key").write_bytes(b"short")
    with pytest.raises(InvalidInput, match="32 bytes"):
        Node.open(tmp_path / "jpn-mod")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        pytest.param("nonsense", InvalidInput, id="not a URL"),
        pytest.param("nosuchdb://host/x", StorageError, id="unknown dialect"),
        pytest.param("sqlite+pysqlite:////nonexistent-dir/sub/x.db", StorageError, id="unreachable"),
    ],
)
@pytest.mark.parametrize("exists", [False, True], ids=["new folder", "empty folder"])
def test_a_failed_init_leaves_the_folder_as_it_was(
    tmp_path: Path, url: str, error: type[Exception], exists: bool
) -> None:
    home = tmp_path / "home"
    if exists:
        home.mkdir()
    with pytest.raises(error):
        Node.init(home, NewNode(party="JPN", node_id="jpn-mod", database_url=url))
    assert home.exists() == exists
    if exists:
        assert list(home.iterdir()) == []
    Node.init(home, NewNode(party="JPN", node_id="jpn-mod")).close()  # and it can simply be retried


def test_the_sqlite_database_is_owner_only(make_node: Maker, tmp_path: Path) -> None:
    # The database holds the journal and wrapped item keys: 0600 like the key files.
    make_node("JPN")
    assert stat.S_IMODE((tmp_path / "jpn" / "accord.db").stat().st_mode) == 0o600


def test_two_nodes_cannot_share_one_database(make_node: Maker, database_url: str, tmp_path: Path) -> None:
    make_node("JPN", database_url=database_url)
    with pytest.raises(Conflict, match="already holds an Accord node"):
        Node.init(tmp_path / "second", NewNode(party="KOR", node_id="kor-two", database_url=database_url))
    assert not (tmp_path / "second").exists()


def test_a_schema_migrated_ahead_of_time_holds_no_node_until_init(
    make_node: Maker, database_url: str, tmp_path: Path
) -> None:
    # A DBA may run the migrations before the node exists: a schema with no journal row holds no
    # node, and init takes it; once init journalled, the same database is refused to another node.
    from accord.store import Database

    db = Database(database_url)
    db.migrate()
    db.dispose()
    node = make_node("JPN", database_url=database_url)
    assert [e.action for e in events(node)] == ["node.init"]
    with pytest.raises(Conflict, match="already holds an Accord node"):
        Node.init(tmp_path / "second", NewNode(party="KOR", node_id="kor-two", database_url=database_url))
