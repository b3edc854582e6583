"""The security authority's pages in process: users and clearances, partners, agreements, keys."""

from __future__ import annotations

from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.agreements import NoteKind
from accord.node import NewUser, NoteDraft


def _authority(console: ConsoleWorld) -> ConsoleClient:
    """``park``, KOR's security authority (군사Ⅰ급비밀), signed in."""
    kor = console.kor
    kor.users.add(NewUser("park", role="authority", clearance="군사Ⅰ급비밀", ntk=[]), actor="authority")
    kor.accounts.set_password("park", PASSWORD, actor="authority")
    client = console.client()
    assert client.sign_in("park").status_code == 200
    return client


def _last(console: ConsoleWorld) -> tuple[str, str, str]:
    page = console.kor.journal.listing(actor="kim", after=0, limit=1000)
    event = [e for e in page.events if e.action != "journal.read"][-1]
    return event.actor, event.action, event.outcome


def test_the_authority_sees_its_links_and_the_users(console: ConsoleWorld) -> None:
    park = _authority(console)
    page = park.get("/authority/users")
    assert page.status_code == 200
    for link in ("/authority/users", "/authority/partners", "/authority/agreements", "/authority/keys"):
        assert f'href="{link}"' in page.text
    assert 'href="/audit/journal"' in page.text  # the decision point gives the authority the journal
    assert "대외비" in page.text
    assert "lee" in page.text
    assert 'action="/authority/users/lee/clearance"' in page.text
    assert 'action="/authority/users/park/clearance"' not in page.text  # never one's own


def test_an_analyst_sees_neither_the_authority_nor_the_audit_links(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    lee = console.client()
    lee.sign_in("lee")
    page = lee.get("/inbox").text
    assert 'href="/authority/users"' not in page
    assert 'href="/audit/journal"' not in page


def test_only_the_authority_sees_the_users_partners_agreements_and_keys(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    # The users page shows every clearance: the decision point's "administer" duty, the
    # authority's alone, guards each page; the officer (kim) and the analyst are refused.
    lee = console.client()
    lee.sign_in("lee")
    paths = ("/authority/users", "/authority/partners", "/authority/agreements", "/authority/keys")
    for client, role in ((signed_in, "officer"), (lee, "analyst")):
        for path in paths:
            refused = client.get(path)
            assert refused.status_code == 403, (role, path)
            assert f"the {role} role may not administer" in refused.text, (role, path)
            assert "대외비" not in refused.text
    refusals = [
        e
        for e in console.kor.journal.listing(actor="kim", after=0, limit=1000).events
        if e.outcome == "refused"
    ]
    assert [e.action for e in refusals][-1] == "console.administer"


def test_the_authority_changes_a_clearance(console: ConsoleWorld) -> None:
    park = _authority(console)
    done = park.post("/authority/users/lee/clearance", data={"csrf": park.csrf(), "level": "군사Ⅲ급비밀"})
    assert done.status_code == 200
    assert done.url.path == "/authority/users"
    assert console.kor.users.get("lee").clearance.native == "군사Ⅲ급비밀"
    assert _last(console) == ("park", "user.clearance", "ok")


def test_nobody_changes_their_own_clearance(console: ConsoleWorld) -> None:
    park = _authority(console)
    refused = park.post("/authority/users/park/clearance", data={"csrf": park.csrf(), "level": "대외비"})
    assert refused.status_code == 403
    assert "nobody can change their own clearance (Art. 7)" in refused.text
    assert console.kor.users.get("park").clearance.native == "군사Ⅰ급비밀"


def test_an_officer_may_not_change_a_clearance(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    refused = signed_in.post(
        "/authority/users/lee/clearance", data={"csrf": signed_in.csrf(), "level": "군사Ⅲ급비밀"}
    )
    assert refused.status_code == 403
    assert "only an authority may change a clearance (Art. 7)" in refused.text
    assert console.kor.users.get("lee").clearance.native == "대외비"


def test_a_bad_level_is_refused_in_the_node_words(console: ConsoleWorld) -> None:
    park = _authority(console)
    refused = park.post("/authority/users/lee/clearance", data={"csrf": park.csrf(), "level": "ultra"})
    assert refused.status_code == 400
    assert "ultra" in refused.text
    assert 'role="alert"' in refused.text.split('id="user-lee"')[1].split("</tr>")[0]
    assert console.kor.users.get("lee").clearance.native == "대외비"


def test_an_unknown_user_is_the_missing_page(console: ConsoleWorld) -> None:
    park = _authority(console)
    missing = park.post("/authority/users/nobody/clearance", data={"csrf": park.csrf(), "level": "대외비"})
    assert missing.status_code == 404


def test_a_forged_or_malformed_clearance_post_changes_nothing(console: ConsoleWorld) -> None:
    park = _authority(console)
    forged = park.post("/authority/users/lee/clearance", data={"csrf": "forged", "level": "군사Ⅲ급비밀"})
    assert forged.status_code == 403
    assert _last(console)[1:] == ("console.csrf", "refused")
    malformed = park.post("/authority/users/lee/clearance", data={"csrf": park.csrf()})
    assert malformed.status_code == 400
    assert _last(console)[1:] == ("console.malformed", "refused")
    assert console.kor.users.get("lee").clearance.native == "대외비"


def test_partners_and_keys_show_the_fingerprints(console: ConsoleWorld) -> None:
    park = _authority(console)
    jpn_card = console.jpn.parties.own_card()
    page = park.get("/authority/partners").text
    assert jpn_card.fingerprint in page
    assert jpn_card.node_id in page
    keys = park.get("/authority/keys").text
    own = console.kor.parties.own_card()
    assert own.fingerprint in keys
    assert own.tls_fingerprint in keys
    assert "checkpoint" in keys


def test_an_agreement_shows_its_timeline_of_notes(console: ConsoleWorld) -> None:
    park = _authority(console)
    agreement_id = console.federation.agreement_id
    listing = park.get("/authority/agreements").text
    assert f'href="/authority/agreements/{agreement_id}"' in listing
    assert "in force" in listing
    kor = console.kor
    kor.agreements.issue_note(
        agreement_id,
        NoteDraft(NoteKind.TERMINATION_NOTICE, on=kor.agreements.today(agreement_id)),
        actor="park",
    )
    page = park.get(f"/authority/agreements/{agreement_id}").text
    timeline = page.split('class="timeline"')[1]
    assert timeline.count("entry-into-force") >= 2  # one note from each party
    assert "termination-notice" in timeline
    assert "notice given" in timeline.split("termination-notice")[-1]
    state = page.split('id="h-state"')[1].split("</dl>")[0]
    assert "notice given" in state
    assert "KOR, " in state.split("Termination notice")[1]  # the pending notice, by KOR
    assert park.get("/authority/agreements/NO-SUCH-AGREEMENT").status_code == 404


def test_the_authority_revokes_a_token_and_an_analyst_may_not(console: ConsoleWorld) -> None:
    info, _ = console.kor.accounts.issue_token("kim", days=30, actor="authority")
    lee = console.client()
    lee.sign_in("lee")
    refused = lee.post(f"/authority/tokens/{info.id}/revoke", data={"csrf": lee.csrf()})
    assert refused.status_code == 403
    assert "only kim or an authority may revoke a token of kim" in refused.text
    assert not console.kor.accounts.tokens("kim")[0].revoked
    park = _authority(console)
    page = park.get("/authority/users").text
    assert f'id="token-{info.id}"' in page
    assert park.post(f"/authority/tokens/{info.id}/revoke", data={"csrf": "forged"}).status_code == 403
    assert not console.kor.accounts.tokens("kim")[0].revoked
    done = park.post(f"/authority/tokens/{info.id}/revoke", data={"csrf": park.csrf()})
    assert done.status_code == 200
    assert console.kor.accounts.tokens("kim")[0].revoked
    assert _last(console) == ("park", "user.token.revoke", "ok")
    again = park.post(f"/authority/tokens/{info.id}/revoke", data={"csrf": park.csrf()})
    assert again.status_code == 400  # already revoked: the node's words beside the row
    missing = park.post("/authority/tokens/nosuchtoken/revoke", data={"csrf": park.csrf()})
    assert missing.status_code == 404
