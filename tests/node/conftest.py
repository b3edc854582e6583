"""Node-test fixtures: a federation whose JPN node runs on the parametrised backend."""

from __future__ import annotations

from datetime import date

import pytest
from support_node import Pair

from accord.node import NewUser, Node, example_agreement, federate
from support_federation import JPN_KOR_GSOMIA, MakeNode, OpenGroup
from support_trio import Trio, build_trio


def _people(jpn: Node, kor: Node) -> str:
    """The Japan–ROK GSOMIA in force between ``jpn`` and ``kor``, and their people; the agreement's id."""
    agreement_id = federate([jpn, kor], example_agreement(JPN_KOR_GSOMIA), in_force_on=date(2016, 11, 23))
    jpn.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    jpn.users.add(
        NewUser("tanaka", role="officer", clearance="機密", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    jpn.users.add(NewUser("suzuki", role="analyst", clearance="秘", ntk=[]), actor="authority")
    jpn.users.add(NewUser("ito", role="auditor", clearance="極秘", ntk=[]), actor="authority")
    kor.users.add(
        NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    kor.users.add(NewUser("lee", role="analyst", clearance="대외비", ntk=[]), actor="authority")
    return agreement_id


def _pair_group(make: MakeNode) -> None:
    _people(make("JPN", "jpn-mod"), make("KOR", "kor-mnd"))


@pytest.fixture
def pair(open_group: OpenGroup, node_database_url: str) -> Pair:
    """Like ``federation``, but JPN stores its data in the parametrised database.

    The pair is a copy of one made once per test process (on PostgreSQL, with the schema's
    rows put back as they were made: see ``open_group``).
    """
    text = example_agreement(JPN_KOR_GSOMIA)
    if node_database_url.startswith("sqlite"):
        jpn, kor = open_group("pair", _pair_group)
    else:

        def build(make: MakeNode) -> None:
            _people(make("JPN", "jpn-mod", node_database_url), make("KOR", "kor-mnd"))

        jpn, kor = open_group("pair", build, postgres=node_database_url)
    (agreement_id,) = {a.id for a in jpn.agreements.all()}
    return Pair(jpn, kor, agreement_id, text)


@pytest.fixture
def trio(open_group: OpenGroup, clock: object) -> Trio:
    """JPN, KOR and USA nodes under every agreement among them (see support_trio)."""
    return build_trio(open_group, clock)
