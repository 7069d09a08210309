"""The admin console in Debian's Chromium (Playwright) against the real app on a real socket.

Dev mode: sign in with the dev field; search, paginate, open a record, verify the chain (also
after tampering with the database), export and compare with `oasis-addin audit export`; a staff
member sees the 403 page; no Individual Number anywhere on the page. Entra mode: the browser
signs in through the local OpenID Connect provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from addin_server.audit.store import AuditRecord
from addin_server.services import services
from tests.admin.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.audit.keys import KEY_CONFIG
from tests.auth.tokens import SigningKey, write_jwks
from tests.browser import LiveServer
from tests.policy.numbers import VALID

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def chromium(browser: Any) -> Any:
    return browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from addin_server.app import create_app

    tmp = tmp_path_factory.mktemp("console")
    mp = pytest.MonkeyPatch()
    mp.setenv("OASIS_INSTANCE_PATH", str(tmp / "instance"))
    app = create_app({"TESTING": True, "AUTH_MODE": "dev", "DATABASE_URL": f"sqlite:///{tmp}/a.db",
                      "ADMIN_USERS": "dev:boss", "PERSON_LIMIT": 5})
    _seed(app)
    live = LiveServer(app)
    yield live
    live.stop()
    mp.undo()


def _post(app: Any, user: str, body: dict[str, Any]) -> None:
    c = app.test_client()
    c.environ_base.update({"REMOTE_ADDR": "127.0.0.1"})
    c.post("/api/v1/summarize", data=json.dumps({"host": "word", **body}), content_type="application/json",
           headers={"X-Oasis-User": user})


def _seed(app: Any) -> None:
    """60 ordinary requests, one blocked for an Individual Number, one interrupted, a busy series."""
    for k in range(60):
        _post(app, "tanaka", {"text": f"第{k}回の連絡会は午前10時に始まります。資料は前日に配ります。"})
    _post(app, "suzuki", {"text": f"申請者の個人番号は{VALID}です。", "series_id": "窓口受付"})
    _post(app, "suzuki", {"text": "出席者は山田太郎様、佐藤花子様、鈴木一郎様、高橋次郎様です。",
                          "series_id": "地域会議"})
    svc = services(app).service
    # A prompt recorded two hours ago whose answer never was: the log shows it as interrupted.
    long_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="microseconds")
    svc.store.record(AuditRecord(request_id="interrupted-1", user_id="dev:sato", operation="summarize",
                                 profile="oasis", outcome="pending", created_at=long_ago,
                                 request_text="会議の要約をお願いします。"))


def _signin(chromium: Any, server: LiveServer, user: str) -> Any:
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/admin/")
    page.fill("#dev-user", user)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.errors = errors  # type: ignore[attr-defined]
    return page


def test_admin_searches_pages_and_opens_records(chromium: Any, server: LiveServer) -> None:
    page = _signin(chromium, server, "boss")
    page.wait_for_selector("#results tbody tr")
    assert "件見つかりました" in page.inner_text("#status")
    page.screenshot(path=str(DOCS / "admin-console.png"), full_page=False)
    assert page.locator("#results tbody tr").count() == 50
    page.click("#more")
    page.wait_for_selector("#results tbody tr:nth-child(51)")
    total = int(page.inner_text("#total").strip("（）件 ").replace(",", ""))
    assert page.locator("#results tbody tr").count() == total
    # the interrupted request stands out, in words as well as colour
    row = page.locator("#results tbody tr.interrupted")
    assert row.count() == 1 and "回答が記録されていません" in row.inner_text()
    # filter by outcome and open the blocked record
    page.select_option("#f-outcome", "blocked")
    page.click("#search button[type=submit]")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "ルールで停止（blocked）: 1 件" in page.inner_text("#counts") or "blocked" in page.inner_text("#counts")
    page.click("#results tbody tr button")
    page.wait_for_selector("#detail:not([hidden])")
    detail = page.inner_text("#detail")
    assert "oasis-1" in detail and "dev:suzuki" in detail
    assert page.evaluate("document.activeElement.id") == "detail"
    assert VALID not in page.content() and VALID not in page.inner_text("body")
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()


def test_series_tab_lists_the_busiest_first_and_links_to_requests(chromium: Any, server: LiveServer) -> None:
    page = _signin(chromium, server, "boss")
    page.wait_for_selector("#results tbody tr")
    page.focus("#tab-log")
    page.keyboard.press("ArrowRight")  # keyboard: the tabs follow the arrow keys
    page.wait_for_selector("#series-table tbody tr")
    first = page.locator("#series-table tbody tr").first
    assert "地域会議" in first.inner_text() and "上限に近い" in first.inner_text()
    first.locator("button").click()
    page.wait_for_selector("#panel-log:not([hidden])")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert page.input_value("#f-series") == "地域会議"
    page.context.close()


def test_verify_shows_ok_then_the_first_tampered_record(chromium: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from addin_server.app import create_app

    monkeypatch.setenv("OASIS_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "AUTH_MODE": "dev", "DATABASE_URL": f"sqlite:///{tmp_path}/v.db",
                      "ADMIN_USERS": "dev:boss"})
    for k in range(4):
        _post(app, "tanaka", {"text": f"第{k}回の連絡会は午前10時に始まります。資料は前日に配ります。"})
    server = LiveServer(app)
    try:
        page = _signin(chromium, server, "boss")
        page.click("#tab-chain")
        page.click("#verify")
        page.wait_for_selector("#verify-result:not([hidden])")
        assert "正常" in page.inner_text("#v-ok") and len(page.inner_text("#v-head")) == 64
        with services(app).service.store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_records SET response_text = 'すり替え' WHERE seq = 3")
        page.click("#verify")
        expect(page.locator("#v-ok")).to_contain_text("問題")
        assert "seq 3" in page.inner_text("#v-problem")
        page.context.close()
    finally:
        server.stop()


def test_export_downloads_what_the_command_writes(chromium: Any, server: LiveServer, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from addin_server.cli import main

    page = _signin(chromium, server, "boss")
    page.fill("#f-user", "dev:suzuki")
    page.click("#search button[type=submit]")
    expect(page.locator("#results tbody tr")).to_have_count(2)
    page.click("#tab-export")
    with page.expect_download() as info:
        page.click("#export-csv")
    downloaded = Path(info.value.path()).read_bytes().decode("utf-8")
    monkeypatch.setenv("OASIS_DATABASE_URL", services(server.app).settings.database_url)
    out = tmp_path / "cli.csv"
    assert main(["audit", "export", "--format", "csv", "--user", "dev:suzuki", "-o", str(out)]) == 0
    assert downloaded == out.read_bytes().decode("utf-8")  # byte for byte, CRLF rows included
    # header + the blocked request's record + the allowed one's prompt and answer records
    assert downloaded.count("\r\n") == 4 and VALID not in downloaded
    page.context.close()


def test_staff_member_sees_the_403_page(chromium: Any, server: LiveServer) -> None:
    page = _signin(chromium, server, "tanaka")
    assert "管理者だけが使えます" in page.inner_text("main")
    assert "連絡会" not in page.content()
    resp = page.request.get(f"{server.url}/admin/api/audit")
    assert resp.status == 403
    page.context.close()


# -- entra mode -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def entra_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, OidcProvider]]:
    from addin_server.app import create_app

    provider = OidcProvider().start()
    tmp = tmp_path_factory.mktemp("console-entra")
    mp = pytest.MonkeyPatch()
    mp.setenv("OASIS_INSTANCE_PATH", str(tmp / "instance"))
    app = create_app({"TESTING": True, "AUTH_MODE": "entra", "DATABASE_URL": f"sqlite:///{tmp}/a.db",
                      "ENTRA_TENANT_ID": "tenant-1", "ENTRA_AUDIENCE": f"api://x/{CLIENT_ID}",
                      "ENTRA_JWKS_FILE": str(write_jwks(tmp / "jwks.json", SigningKey())),
                      "ENTRA_CLIENT_ID": CLIENT_ID, "ENTRA_CLIENT_SECRET": CLIENT_SECRET,
                      "ENTRA_METADATA_URL": provider.metadata_url, "SECRET_KEY": "s" * 64, **KEY_CONFIG})
    live = LiveServer(app)
    yield live, provider
    live.stop()
    provider.stop()
    mp.undo()


@pytest.mark.parametrize("mode, roles, expect", [
    ("ok", ["Oasis.Admin"], "console"),
    ("ok", [], "forbidden"),
    ("expired", ["Oasis.Admin"], "failed"),
    ("bad_nonce", ["Oasis.Admin"], "failed"),
])
def test_entra_signin_in_the_browser(chromium: Any, entra_server: tuple[LiveServer, OidcProvider],
                                     mode: str, roles: list[str], expect: str) -> None:
    server, provider = entra_server
    provider.reset(mode, roles=roles)
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/admin/signin")
    page.click("text=Entra ID")
    page.wait_for_load_state("networkidle")
    text = page.inner_text("main")
    if expect == "console":
        page.wait_for_selector("#results")
        assert "監査 太郎" in page.inner_text("header")
    elif expect == "forbidden":
        assert "管理者だけが使えます" in text
    else:
        assert "サインインできませんでした" in text
    context.close()


# -- accessibility (WCAG 2.1 AA / JIS X 8341-3, as the pane) ------------------------------------
def test_console_has_no_axe_violations_in_any_state(chromium: Any, server: LiveServer) -> None:
    from tests.taskpane.a11y import assert_accessible

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/admin/signin")
    assert_accessible(page, "sign-in")
    context.close()
    page = _signin(chromium, server, "boss")
    page.wait_for_selector("#results tbody tr")
    assert_accessible(page, "search results")
    page.click("#results tbody tr button")
    page.wait_for_selector("#detail:not([hidden])")
    assert_accessible(page, "record detail")
    page.click("#tab-series")
    page.wait_for_selector("#series-table tbody tr")
    assert_accessible(page, "series")
    page.click("#tab-chain")
    page.click("#verify")
    page.wait_for_selector("#verify-result:not([hidden])")
    assert_accessible(page, "verified")
    page.click("#tab-export")
    assert_accessible(page, "export")
    page.context.close()
    page = _signin(chromium, server, "tanaka")
    assert_accessible(page, "forbidden")
    page.context.close()


def test_console_by_keyboard_only(chromium: Any, server: LiveServer) -> None:
    """Sign in, search, open a record and verify the chain with Tab, Enter, Space and arrows."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/admin/signin")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "dev-user"
    page.keyboard.type("boss")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results tbody tr")
    page.focus("#f-outcome")
    page.keyboard.press("ArrowDown")  # 許可（allowed）
    page.focus("#search button[type=submit]")
    page.keyboard.press("Enter")
    assert page.input_value("#f-outcome") == "allowed"
    expect(page.locator("#results tbody tr.interrupted")).to_have_count(0)  # the filtered list is in
    page.locator("#results tbody tr button").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "detail"
    page.focus("#tab-log")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-chain"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "verify"
    page.keyboard.press("Space")
    page.wait_for_selector("#verify-result:not([hidden])")
    assert "正常" in page.inner_text("#v-ok")
    context.close()


@pytest.mark.parametrize("width, zoom", [(320, 1), (640, 2)])
def test_console_reflows_in_a_narrow_window(chromium: Any, server: LiveServer, width: int, zoom: int) -> None:
    page = _signin(chromium, server, "boss")
    page.set_viewport_size({"width": width, "height": 800})
    page.evaluate(f"document.documentElement.style.zoom = '{zoom}'") if zoom != 1 else None
    page.wait_for_selector("#results tbody tr")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1  # the wide table scrolls inside its own region, not the page
    page.context.close()
