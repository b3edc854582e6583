"""The search index follows the holdings in the same transaction (issue 12; Arts. 6, 16).

Destroyed items are no longer found; a translation made here is found under its item; a
downgrade changes the level filtered on; a withheld item changes no count; the SQLite file
holds no searched word; ``check`` sees a damaged index and ``reindex`` repairs it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from support_search import create_report, search_node, undo_0019

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, Node, SearchFilters
from accord.store import ItemRow, SearchCountRow, SearchDocRow
from support_trio import Loopback

EVERYTHING = SearchFilters()


@pytest.fixture
def jpn(make_node: Callable[..., Node], node_database_url: str) -> Node:
    return search_node(make_node, node_database_url)


def _ids(
    node: Node, query: str, actor: str = "sato", filters: SearchFilters = EVERYTHING
) -> tuple[list[str], int]:
    return node.items.search.matching_ids(query, actor=actor, filters=filters, limit=100)


def test_a_destroyed_item_is_no_longer_found(jpn: Node) -> None:
    kept, gone = create_report(jpn, "독도 경비 보고"), create_report(jpn, "독도 방공 식별")
    assert set(_ids(jpn, "독도")[0]) == {kept, gone}
    jpn.custody.destroy(gone, method="crypto-erase", witness="tanaka", actor="sato")
    assert _ids(jpn, "독도") == ([kept], 1)
    assert _ids(jpn, "방공") == ([], 0)
    assert jpn.items.search.check().agrees


def test_a_translation_made_here_is_found_under_its_item(jpn: Node, tmp_path: Path) -> None:
    item = create_report(jpn, "Missile launch observed")
    assert _ids(jpn, "미사일") == ([], 0)
    path = tmp_path / "ko.txt"
    path.write_text("미사일 발사 관측", encoding="utf-8")
    jpn.custody.translate(item, path=path, lang="ko", actor="sato")
    assert _ids(jpn, "미사일") == ([item], 1)
    assert _ids(jpn, "사") == ([item], 1)
    assert jpn.items.search.check().agrees


def test_a_short_page_is_the_head_of_the_whole_list_whatever_order_the_rows_are_in(
    jpn: Node, clock: Any, tmp_path: Path
) -> None:
    # A one-token page reads the newest items first (store.search_ids), on SQLite from the
    # text index's newest rows: rows of a translation made later of the oldest item, and an
    # item newer than its rows' numbers say, are out of age order and must not change the
    # page. The newest three are withheld from suzuki: his first window finds none of his.
    # An item's rows hold its created time (0019): moved alone, the item's rows are stale
    # (check says so); moved with them, as the node would, their numbers stay out of order.
    items = []
    for n in range(20):
        clock.advance(seconds=1)
        items.append(create_report(jpn, f"발사 보고 {n}", secret=n >= 17))
    path = tmp_path / "ko.txt"
    path.write_text("발사 관측", encoding="utf-8")
    jpn.custody.translate(items[0], path=path, lang="ko", actor="sato")
    for moved in (None, items[3]):
        if moved is not None:
            with jpn.ctx.db.transaction() as session:
                later = (
                    update(ItemRow)
                    .where(ItemRow.id == moved)
                    .values(created_at="2999-01-01T00:00:00.000000Z")
                )
                session.execute(later)
            assert jpn.items.search.check().missing == [moved]
            with jpn.ctx.db.transaction() as session:
                rows = update(SearchDocRow).where(SearchDocRow.item_id == moved)
                session.execute(rows.values(created_at="2999-01-01T00:00:00.000000Z"))
        assert jpn.items.search.check().agrees
        for actor, readable in (("sato", items), ("suzuki", items[:17])):
            whole, total = _ids(jpn, "발사", actor=actor)
            assert whole == sorted(readable, key=lambda i: (i == moved, items.index(i)), reverse=True)
            assert total == len(whole)
            for limit in range(1, 9):
                page = jpn.items.search.matching_ids("발사", actor=actor, filters=EVERYTHING, limit=limit)
                assert page == (whole[:limit], total), (actor, limit, moved)


def test_a_withheld_item_changes_no_count(jpn: Node) -> None:
    create_report(jpn, "ミサイル発射")
    assert _ids(jpn, "発射", actor="suzuki")[1] == 1
    secret = create_report(jpn, "ミサイル発射 極秘", secret=True)
    assert _ids(jpn, "発射", actor="suzuki")[1] == 1
    assert secret not in _ids(jpn, "発射", actor="suzuki")[0]
    assert _ids(jpn, "発射", actor="sato")[1] == 2
    page = jpn.items.search.search("発射", actor="suzuki", filters=EVERYTHING)
    assert page.total == 1
    assert [h.view.id for h in page.hits] != [secret]


def test_a_downgrade_changes_the_level_searched_by(jpn: Node) -> None:
    item = create_report(jpn, "radar track", secret=True)
    assert _ids(jpn, "radar", filters=SearchFilters(classification="極秘")) == ([item], 1)
    jpn.notices.downgrade(item, to="秘", reason="no longer sensitive", actor="sato")
    assert _ids(jpn, "radar", filters=SearchFilters(classification="極秘")) == ([], 0)
    assert _ids(jpn, "radar", filters=SearchFilters(classification="秘")) == ([item], 1)
    assert jpn.items.search.check().agrees


def test_counts_follow_a_downgrade_and_a_declassification(jpn: Node) -> None:
    # "radar" is one token (counted from search_counts); "radar track" two (counted match by match).
    items = [
        create_report(jpn, "radar track", secret=True),
        create_report(jpn, "radar track"),
        create_report(jpn, "radar"),
    ]
    for step in ("created", "downgraded", "declassified"):
        if step == "downgraded":
            jpn.notices.downgrade(items[0], to="秘", reason="no longer sensitive", actor="sato")
        elif step == "declassified":
            jpn.notices.downgrade(items[1], to=None, declassify=True, reason="public", actor="sato")
        for actor in ("sato", "suzuki"):
            common, total = _ids(jpn, "radar", actor=actor)
            both = _ids(jpn, "radar track", actor=actor)[0]
            assert total == len(common), step
            assert set(both) == set(common) - {items[2]}, step
        assert jpn.items.search.check().agrees, step
    assert _ids(jpn, "radar", actor="sato")[1] == 3


def test_migration_0018_counts_the_index_already_there(jpn: Node) -> None:
    items = [
        create_report(jpn, "대한민국 radar", secret=True),
        create_report(jpn, "대한 radar"),
        create_report(jpn, "民国"),
    ]
    queries = [(q, a) for q in ("대한", "radar", "国", "ra*") for a in ("sato", "suzuki")]
    before = [_ids(jpn, q, actor=a) for q, a in queries]
    with jpn.ctx.db.engine.begin() as connection:  # the index as revision 0017 left it, without counts
        undo_0019(connection)
        connection.execute(text("DROP TABLE search_counts"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0017'"))
    jpn.ctx.db.migrate()
    assert jpn.items.search.check().agrees
    assert [_ids(jpn, q, actor=a) for q, a in queries] == before
    ids, total = _ids(jpn, "radar", actor="sato")
    assert (set(ids), total) == ({items[0], items[1]}, 2)


def test_check_sees_a_damaged_index_and_reindex_repairs_it(jpn: Node) -> None:
    first, second = create_report(jpn, "대한민국 정보"), create_report(jpn, "日本国 情報")
    with jpn.ctx.db.transaction() as session:
        session.execute(delete(SearchDocRow).where(SearchDocRow.item_id == first))
    check = jpn.items.search.check()
    assert not check.agrees
    assert check.missing == [first]
    seen: list[tuple[int, int]] = []
    assert jpn.items.search.reindex(lambda done, total: seen.append((done, total))) == 2
    assert seen[-1] == (2, 2)
    assert jpn.items.search.check().agrees
    assert _ids(jpn, "민국") == ([first], 1)
    assert _ids(jpn, "情報") == ([second], 1)


def test_check_sees_a_count_off_by_one_and_reindex_repairs_it(jpn: Node) -> None:
    create_report(jpn, "대한민국 정보")
    assert jpn.items.search.check().agrees
    with jpn.ctx.db.transaction() as session:
        session.execute(update(SearchCountRow).where(SearchCountRow.token != "").values(items=2))
    check = jpn.items.search.check()
    assert not check.agrees
    assert check.counts
    assert all("counted 2, indexed 1" in line for line in check.counts)
    jpn.items.search.reindex()
    assert jpn.items.search.check().agrees
    assert _ids(jpn, "민") == (_ids(jpn, "민국")[0], 1)


def test_a_rebuild_in_many_batches_counts_every_item_once(jpn: Node) -> None:
    bodies = ["대한민국 정보 radar", "日本国 情報 radar", "대한 情報", "radars 北", "北 北 민국"]
    made = [create_report(jpn, body, secret=n % 2 == 0) for n, body in enumerate(bodies)]
    with jpn.ctx.db.transaction() as session:
        written = sorted(session.execute(text("SELECT * FROM search_counts")).all())
    # Batches of two: the counts are held across batches and written with the last one.
    assert jpn.items.search.index().rebuild(batch=2) == len(made)
    with jpn.ctx.db.transaction() as session:
        assert sorted(session.execute(text("SELECT * FROM search_counts")).all()) == written
    assert jpn.items.search.check().agrees
    ids, total = _ids(jpn, "情報")
    assert (set(ids), total) == ({made[1], made[2]}, 2)


def test_the_database_file_holds_no_searched_word(make_node: Callable[..., Node]) -> None:
    node = make_node("JPN", "jpn-mod")
    node.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    create_report(node, "Zanzibarite 잠수함기지 潜水艦基地", title="Quokkaesque")
    assert _ids(node, "zanzibarite")[1] == 1
    # The database file and its write-ahead log, as they are on disk.
    raw = b"".join(p.read_bytes() for p in node.ctx.home.root.rglob("*.db*"))
    for word in ("zanzibarite", "Zanzibarite", "quokka", "잠수함", "潜水艦", "基地"):
        for form in (word, word.casefold()):
            assert form.encode("utf-8") not in raw
            assert form.encode("utf-16-le") not in raw
    with node.ctx.db.engine.connect() as conn:
        tokens = conn.execute(text("SELECT tokens FROM search_fts")).scalars().all()
    assert tokens
    assert all(t == "0" or (len(t) == 13 and t.isalnum()) for doc in tokens for t in doc.split())


def test_a_received_item_is_found_at_the_receiver_in_its_own_scheme(federation: Any) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "弾道ミサイル発射", "Launch at 06:12.", "DPRK-MISSILE"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=federation.agreement_id),
            Precedence.ROUTINE,
        ),
        actor="sato",
    ).id
    jpn.sending.send(item, to="KOR", actor="sato")
    for peer, lane in jpn.delivery.peers_with_pending():
        jpn.delivery.deliver_once(peer, lane, Loopback(kor))
    assert _ids(kor, "ミサイル", actor="kim") == ([item], 1)
    level = kor.items.show(item, actor="kim").marking.alternatives[0].classification
    assert _ids(kor, "launch", actor="kim", filters=SearchFilters(classification=level)) == ([item], 1)
    assert _ids(kor, "launch", actor="kim", filters=SearchFilters(from_party="JPN")) == ([item], 1)
    assert kor.items.search.check().agrees


def test_check_sees_a_row_at_another_level(jpn: Node) -> None:
    """A chunk row whose classification was altered would be found by another level's filter."""
    secret = create_report(jpn, "대한민국 정보", secret=True)
    create_report(jpn, "대한민국 정보")
    with jpn.ctx.db.transaction() as session:
        level = session.scalar(select(SearchDocRow.classification).where(SearchDocRow.item_id == secret))
        lower = session.scalar(select(SearchDocRow.classification).where(SearchDocRow.item_id != secret))
    assert level != lower
    assert jpn.items.search.check().agrees
    with jpn.ctx.db.transaction() as session:
        session.execute(
            update(SearchDocRow).where(SearchDocRow.item_id == secret).values(classification=lower)
        )
    assert jpn.items.search.check().missing == [secret]
    jpn.items.search.reindex()
    assert jpn.items.search.check().agrees


def test_check_names_the_every_item_count_readably(jpn: Node) -> None:
    create_report(jpn, "대한민국 정보")
    with jpn.ctx.db.transaction() as session:
        session.execute(update(SearchCountRow).where(SearchCountRow.token == "").values(items=5))
    (line,) = jpn.items.search.check().counts
    assert line.startswith("(every item: the class's indexed items) of ")
    assert "counted 5, indexed 1" in line


def test_a_match_in_a_translation_shows_that_translation_marked(jpn: Node, tmp_path: Path) -> None:
    """The snippet is cut from the text that matched (the translation, decrypted at query time)."""
    item = create_report(jpn, "Cheongryong class submarine sighted")
    path = tmp_path / "ko.txt"
    path.write_text("청룡호 잠수함 관측", encoding="utf-8")
    jpn.custody.translate(item, path=path, lang="ko", actor="sato")
    (hit,) = jpn.items.search.search("청룡호", actor="sato", filters=EVERYTHING).hits
    assert "청룡호 잠수함" in hit.snippet
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["청룡호"]
    (own,) = jpn.items.search.search("submarine", actor="sato", filters=EVERYTHING).hits
    assert [own.snippet[start:end] for start, end in own.highlights] == ["submarine"]


def test_an_index_made_before_format_characters_were_ignored_is_reported_stale(
    jpn: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After upgrading, ``check`` names the items whose text holds one; ``reindex`` makes them found."""
    from accord.node.holdings import _search_keyed, _search_text

    def before(text: str) -> str:  # normalise as it was: format characters kept (as separators)
        return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())

    with monkeypatch.context() as old:
        old.setattr(_search_text, "normalise", before)
        old.setattr(_search_keyed, "normalise", before)
        hidden = create_report(jpn, "미\u200b사일 발사, the ra\u00addar track")
        plain = create_report(jpn, "미사일 radar")
    assert _ids(jpn, "미사일") == ([plain], 1)
    assert jpn.items.search.check().missing == [hidden]
    jpn.items.search.reindex()
    assert jpn.items.search.check().agrees
    ids, total = _ids(jpn, "radar")
    assert (set(ids), total) == ({hidden, plain}, 2)
    (hit,) = [
        h
        for h in jpn.items.search.search("미사일", actor="sato", filters=EVERYTHING).hits
        if h.view.id == hidden
    ]
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["미\u200b사일"]
