"""Browser fixtures: the real app (offline engine) in a thread, Chromium via Playwright, and the
fake Office host routed in place of office.js."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: F401 - re-exported for the pane tests
from tests.taskpane.a11y import assert_accessible

OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
FAKE_OFFICE = Path(__file__).parent / "fake_office" / "office.js"


def _make_server(tmp: Path, **config: Any) -> LiveServer:
    from addin_server.app import create_app
    from tests.audit.keys import KEY_CONFIG

    # One session-long server: the per-user budget is shared by all routes (issue 10), so lift it.
    base = {"TESTING": True, "AUTH_MODE": "dev", "DATABASE_URL": f"sqlite:///{tmp}/a.db",
            "RATE_LIMIT": "100000 per minute", "READ_RATE_LIMIT": "100000 per minute", **KEY_CONFIG}
    return LiveServer(create_app({**base, **config}))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # A low person limit so the near-limit warning is reachable with a few names.
    server = _make_server(tmp_path_factory.mktemp("app"), PERSON_LIMIT=5)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def failing_model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app with an approved model endpoint on a closed loopback port: model errors."""
    server = _make_server(
        tmp_path_factory.mktemp("app-down"),
        LLM_PROVIDER="openai",
        LLM_BASE_URL="http://127.0.0.1:9/v1",
        APPROVED_ENDPOINTS="http://127.0.0.1:9/",
        LLM_MODEL="unreachable-model",
        LLM_TIMEOUT=2,
    )
    yield server
    server.stop()


class Pane:
    """One task pane page over the fake Office host, with what the browser saw."""

    def __init__(self, page: Any, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.console_errors: list[str] = []
        self.api_requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("request", lambda r: r.method == "POST" and self.api_requests.append(urlsplit(r.url).path))

    def script_answer(self, operation: str, result: dict[str, Any], request_id: str) -> None:
        """The model's answer to `operation` is scripted (offsets and edits the offline engine
        never makes); the check before it and everything in the pane stay real."""
        body = json.dumps({"request_id": request_id, "allowed": True, "model": "scripted-model",
                           "review_required": True, "persons": {"request": 0, "series_total": 0, "limit": 5},
                           "findings": [], "result": result}, ensure_ascii=False)
        self.page.route(f"**/api/v1/{operation}",
                        lambda route: route.fulfill(status=200, content_type="application/json", body=body))

    def snapshot(self) -> dict[str, Any]:
        return self.page.evaluate("window.__fake.snapshot()")

    def calls(self, name: str | None = None) -> list[dict[str, Any]]:
        calls = self.snapshot()["calls"]
        return [c for c in calls if name is None or c["name"] == name]

    def select_operation(self, op: str) -> None:
        self.page.check(f"input[name=operation][value={op}]")

    def run(self) -> None:
        self.page.click("#run")

    def wait_result(self) -> None:
        self.page.wait_for_selector("#result:not([hidden])", timeout=20000)

    def tick_checklist(self) -> None:
        for box in self.page.query_selector_all(".review"):
            box.check()

    def run_and_insert(self) -> str:
        """Run, review, insert; returns the request id once the pane reports success."""
        self.run()
        self.wait_result()
        request_id = self.page.inner_text("#request-id")
        self.tick_checklist()
        self.page.click("#insert")
        self.wait_status("ok")
        return request_id

    def status(self) -> str:
        return self.page.inner_text("#status")

    def wait_status(self, kind: str, contains: str | None = None) -> str:
        selector = f"#status.{kind}:not([hidden])"
        if contains:
            selector += f":has-text({json.dumps(contains, ensure_ascii=False)})"
        self.page.wait_for_selector(selector, timeout=20000)
        # Errors are announced through the role=alert region, everything else through role=status.
        region = "#status-alert" if kind == "error" else "#status-polite"
        assert self.page.inner_text(region) == self.status()
        return self.status()

    def focused(self) -> str:
        """The id of the element that has the keyboard focus ('' when none)."""
        return str(self.page.evaluate("document.activeElement ? document.activeElement.id : ''"))

    def tab_to(self, element_id: str, limit: int = 60, key: str = "Tab") -> int:
        """Press Tab (or Shift+Tab) until `element_id` has the focus; returns the presses needed.
        Fails when it is not reachable; also checks that the focus is visibly drawn."""
        for presses in range(1, limit + 1):
            self.page.keyboard.press(key)
            if self.focused() == element_id:
                outline = self.page.evaluate(
                    "(() => { const s = getComputedStyle(document.activeElement); "
                    "return [s.outlineStyle, s.outlineWidth]; })()"
                )
                assert outline[0] != "none" and outline[1] != "0px", (element_id, outline)
                return presses
        raise AssertionError(f"#{element_id} not reachable with {key} (focus on #{self.focused()})")

    def no_horizontal_scroll(self) -> bool:
        return bool(self.page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ))


@pytest.fixture
def open_pane(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Pane]]:
    contexts: list[Any] = []
    panes: list[Pane] = []

    def _open(
        fake: dict[str, Any],
        server: LiveServer | None = None,
        width: int = 380,
        height: int = 900,
        scale: float = 1,
        forced_colors: str = "none",
    ) -> Pane:
        """`scale` 2 with half the width is a pane of `2 * width` px at 200 % zoom."""
        srv = server or live_server
        ctx = browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=scale,
            locale="ja-JP",
            forced_colors=forced_colors,
        )
        contexts.append(ctx)

        def route(r: Any) -> None:
            url = r.request.url
            if url.split("?")[0] == OFFICE_JS:
                r.fulfill(path=str(FAKE_OFFICE), content_type="application/javascript")
            elif urlsplit(url).hostname == "127.0.0.1":
                r.continue_()
            else:  # never let the browser reach anything but loopback
                r.abort()

        ctx.route("**/*", route)
        ctx.add_init_script(f"window.__fakeOfficeConfig = {json.dumps(fake, ensure_ascii=False)};")
        page = ctx.new_page()
        pane = Pane(page, srv)
        panes.append(pane)
        page.goto(f"{srv.url}/taskpane.html")
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        return pane

    yield _open
    for ctx in contexts:
        ctx.close()
    # Any script error or CSP violation fails the test; HTTP errors the test provoked are expected.
    unexpected = [e for p in panes for e in p.console_errors if not e.startswith("Failed to load resource")]
    assert not unexpected


@pytest.fixture
def axe() -> Callable[..., None]:
    """assert_accessible(page, state, include=None): zero WCAG 2.1 A/AA violations (axe-core).
    Outside tests/taskpane, import it from tests.taskpane.a11y."""
    return assert_accessible


@pytest.fixture(scope="session")
def default_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app with its default limits (for the documentation screenshots)."""
    server = _make_server(tmp_path_factory.mktemp("app-default"))
    yield server
    server.stop()


TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


@pytest.fixture(scope="session")
def entra_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    """The real app in Entra mode with a local signing key; yields it and a valid access token."""
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    tmp = tmp_path_factory.mktemp("app-entra")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = tmp / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    audience = f"api://127.0.0.1/{CLIENT_ID}"
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
            "aud": audience,
            "tid": TENANT,
            "oid": "0a0b0c0d-1111-2222-3333-444455556666",
            "scp": "access_as_user",
            "preferred_username": "staff@example.test",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
        },
        key,
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    server = _make_server(
        tmp, AUTH_MODE="entra", ENTRA_TENANT_ID=TENANT, ENTRA_AUDIENCE=audience, ENTRA_JWKS_FILE=str(jwks)
    )
    yield server, token
    server.stop()
