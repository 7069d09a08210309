"""The task pane blueprint over HTTP: page, static modules, icons and the server's own manifest."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree

from addin_server.manifest import render_manifest

STATIC = Path(__file__).resolve().parents[2] / "addin_server" / "taskpane" / "static"
OV = "http://schemas.microsoft.com/office/taskpaneappversionoverrides"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    from addin_server.app import create_app

    return create_app({"TESTING": True, "AUTH_MODE": "dev", "DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})


def test_page_has_no_inline_script_or_style(app: Flask) -> None:
    resp = app.test_client().get("/taskpane.html")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "script-src 'self' https://appsforoffice.microsoft.com" in resp.headers["Content-Security-Policy"]
    root = etree.HTML(html)
    scripts = root.findall(".//script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert "https://appsforoffice.microsoft.com/lib/1/hosted/office.js" in [s.get("src") for s in scripts]
    assert not root.xpath("//*[@style]") and not root.findall(".//style")
    assert not [a for el in root.iter() for a in el.attrib if a.startswith("on")]
    assert root.get("lang") == "ja"


def test_static_modules_are_served(app: Flask) -> None:
    client = app.test_client()
    for path in [*sorted(STATIC.rglob("*.js")), STATIC / "taskpane.css"]:
        rel = path.relative_to(STATIC).as_posix()
        resp = client.get(f"/taskpane/static/{rel}")
        assert resp.status_code == 200, rel
        resp.close()
    # Every module the page imports exists (no build step, so a typo would only show in Office).
    for path in STATIC.rglob("*.js"):
        for name in re.findall(r'from "\./([\w.]+)"', path.read_text(encoding="utf-8")):
            assert (path.parent / name).exists(), (path.name, name)


def test_manifest_for_the_servers_own_url(make_app: Callable[..., Flask]) -> None:
    app = make_app(PUBLIC_URL="https://addin.example.test:8443")  # Host alone is not trusted (issue 10)
    resp = app.test_client().get("/manifest.xml", base_url="https://addin.example.test:8443")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert resp.get_data(as_text=True) == render_manifest("https://addin.example.test:8443")


def test_manifest_carries_sso_when_entra_is_configured(tmp_path: Path) -> None:
    client_id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    flask_app = Flask(__name__)
    flask_app.config["ENTRA_AUDIENCE"] = f"api://addin.example.test/{client_id}"
    flask_app.config["PUBLIC_URL"] = "https://addin.example.test"
    from addin_server.taskpane import bp

    flask_app.register_blueprint(bp)
    xml = flask_app.test_client().get("/manifest.xml", base_url="https://addin.example.test").data
    root = etree.fromstring(xml)
    assert root.findtext(f".//{{{OV}}}WebApplicationInfo/{{{OV}}}Id") == client_id


@pytest.mark.parametrize("size", [16, 32, 64, 80])
def test_icons(app: Flask, size: int) -> None:
    resp = app.test_client().get(f"/assets/icon-{size}.png")
    assert resp.status_code == 200 and resp.mimetype == "image/png"


def test_unknown_icon_size(app: Flask) -> None:
    assert app.test_client().get("/assets/icon-17.png").status_code == 404
