"""``accord search``: a query as the first argument, the JSON page, reindex and check (issue 12)."""

from __future__ import annotations

import pytest
from cli_support import Cli, Fed, as_user, build_federation


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Fed]:
    cli = Cli()
    return cli, build_federation(cli, tmp_path_factory.mktemp("search"))


def test_search_finds_the_report_with_its_banner_and_snippet(fed: tuple[Cli, Fed]) -> None:
    cli, f = fed
    page = cli.json("search", "assess*", "--as", "sato", home=f.jpn, env=as_user("sato"))
    assert page["total"] == 1
    [hit] = page["results"]
    assert hit["id"] == f.jpn_item
    assert hit["banners"]
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end].casefold() == "assess"
    table = cli.ok("search", "launch", "--as", "sato", "--kind", "report", home=f.jpn, env=as_user("sato"))
    assert f.jpn_item[:12] in table.stdout  # the table folds long ids
    assert "1 shown of 1 matching" in table.stdout
    none = cli.json("search", "launch", "--as", "sato", "--from", "KOR", home=f.jpn, env=as_user("sato"))
    assert none["total"] == 0


@pytest.mark.parametrize(
    ("option", "value", "refusal"),
    [
        pytest.param("--classification", "bogus", "unknown level 'bogus' in scheme JPN", id="unknown-level"),
        # Levels are matched in this node's scheme: a partner's spelling is not one of them.
        pytest.param(
            "--classification", "군사Ⅲ급비밀", "unknown level '군사Ⅲ급비밀' in scheme JPN", id="kor-level"
        ),
        pytest.param("--from", "XYZ", "unknown party 'XYZ': not this node's party", id="unknown-party"),
    ],
)
def test_a_filter_the_node_cannot_read_is_refused(
    fed: tuple[Cli, Fed], option: str, value: str, refusal: str
) -> None:
    cli, f = fed
    result = cli("search", "北", "--as", "sato", option, value, home=f.jpn, env=as_user("sato"))
    assert result.exit_code == 3  # InvalidInput, as --kind memo
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {refusal}")
    assert len(result.stderr.splitlines()) == 1


def test_a_level_in_another_spelling_of_this_scheme_filters(fed: tuple[Cli, Fed]) -> None:
    cli, f = fed
    for spelling in ("秘", "hi"):
        page = cli.json(
            "search", "assess*", "--as", "sato", "--classification", spelling, home=f.jpn, env=as_user("sato")
        )
        assert page["total"] == 1, spelling
    page = cli.json(
        "search", "assess*", "--as", "sato", "--classification", "極秘", home=f.jpn, env=as_user("sato")
    )
    assert page["total"] == 0


@pytest.mark.parametrize("query", ["", "?!", 'NEAR("a" b)'])
def test_a_query_without_words_is_a_clear_error(fed: tuple[Cli, Fed], query: str) -> None:
    cli, f = fed
    result = cli("search", "query", query, "--as", "sato", home=f.jpn, env=as_user("sato"))
    if query.startswith("NEAR"):
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code != 0
    assert result.stderr.startswith("error: ")


def test_reindex_and_check(fed: tuple[Cli, Fed]) -> None:
    cli, f = fed
    assert cli.json("search", "reindex", home=f.jpn) == {"indexed": 1}
    report = cli.json("search", "check", home=f.jpn)
    assert report["agrees"] is True
    assert report["checked"] == 1
