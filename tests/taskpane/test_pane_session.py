"""Sign-in (Office single sign-on in Entra mode) and cancelling a request in progress."""

from __future__ import annotations

from typing import Any

from tests.taskpane.test_pane_word import SOURCE, word


def test_entra_mode_sends_the_office_sso_token(open_pane, entra_server) -> None:
    server, token = entra_server
    pane = open_pane(word(SOURCE, 2, token=token), server=server)
    headers: list[dict[str, str]] = []
    pane.page.on("request", lambda r: r.method == "POST" and headers.append(r.headers))
    assert pane.page.is_hidden("#dev-identity")  # no dev identity outside dev mode
    pane.run()
    pane.wait_result()  # the real server accepted the token for check and summarize
    assert headers and all(h.get("authorization") == f"Bearer {token}" for h in headers)
    assert not any("x-oasis-user" in h for h in headers)
    (first, *_) = pane.calls("auth.getAccessToken")
    assert first["options"]["allowSignInPrompt"] is True


def test_sso_failure_is_explained_in_japanese(open_pane, entra_server) -> None:
    server, _ = entra_server
    pane = open_pane(word(SOURCE, 2, tokenError=13001), server=server)
    pane.run()
    assert "サインイン" in pane.wait_status("error")
    assert pane.api_requests == []  # nothing is sent without an identity


def test_rejected_token_shows_the_servers_japanese_message(open_pane, entra_server) -> None:
    server, _ = entra_server
    pane = open_pane(word(SOURCE, 2, token="not-a-jwt"), server=server)
    pane.run()
    message = pane.wait_status("error")
    assert any("\u3040" <= ch <= "\u30ff" for ch in message)
    assert pane.api_requests == ["/api/v1/check"]


def test_cancel_stops_a_pending_request(open_pane) -> None:
    pane = open_pane(word(SOURCE, 2))
    held: list[Any] = []
    # Hold the streaming request unanswered, as a slow model would; the pane must let go of it.
    pane.page.route("**/api/v1/summarize/stream", lambda route: held.append(route))
    pane.run()
    pane.page.wait_for_selector("#progress:not([hidden])")
    assert pane.page.is_visible("#cancel")
    pane.page.click("#cancel")
    assert "文書は変更していません" in pane.wait_status("info", contains="キャンセルしました")
    assert pane.page.is_hidden("#progress") and pane.page.is_hidden("#result")
    assert held and not pane.calls("Range.insertParagraph")
    assert pane.page.is_enabled("#run")
