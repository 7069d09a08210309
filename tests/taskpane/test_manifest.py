"""The one manifest template: rendering, the CLI, and offline schema validation."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import etree

from addin_server import cli
from addin_server.config import ConfigError, is_loopback
from addin_server.manifest import (
    ICON_SIZES,
    BadHost,
    ManifestError,
    icon_bytes,
    render_manifest,
    served_base_url,
)
from addin_server.services import services

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "ov": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
CLIENT_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
BASE = "https://addin.example.test:8443"


@pytest.fixture(scope="module")
def schema(shared_dir: Path) -> etree.XMLSchema:
    folder = shared_dir / "schemas" / "office-addin-manifest"
    return etree.XMLSchema(etree.parse(str(folder / "OfficeAppManifestV1_1.xsd")))


def _errors(schema: etree.XMLSchema, xml: str | bytes) -> list[str]:
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    ok = schema.validate(etree.fromstring(data))
    return [] if ok else [e.message for e in schema.error_log]


def test_schema_folder_accepts_its_own_example(schema: etree.XMLSchema, shared_dir: Path) -> None:
    example = shared_dir / "schemas" / "office-addin-manifest" / "example-valid-manifest.xml"
    assert _errors(schema, example.read_bytes()) == []


@pytest.mark.parametrize("client_id", [None, CLIENT_ID])
def test_rendered_manifest_validates(schema: etree.XMLSchema, client_id: str | None) -> None:
    assert _errors(schema, render_manifest(BASE, client_id=client_id)) == []


def test_manifest_content() -> None:
    root = etree.fromstring(render_manifest(BASE + "/", client_id=CLIENT_ID).encode())
    assert root.get(f"{{{NS['xsi']}}}type") == "TaskPaneApp"
    assert root.findtext("o:DefaultLocale", namespaces=NS) == "ja-JP"
    assert [h.get("Name") for h in root.findall("o:Hosts/o:Host", NS)] == ["Document", "Workbook"]
    assert root.find("o:DefaultSettings/o:SourceLocation", NS).get("DefaultValue") == f"{BASE}/taskpane.html"
    assert root.findtext("o:Permissions", namespaces=NS) == "ReadWriteDocument"
    vo_hosts = root.findall("ov:VersionOverrides/ov:Hosts/ov:Host", NS)
    assert [h.get(f"{{{NS['xsi']}}}type") for h in vo_hosts] == ["Document", "Workbook"]
    for host in vo_hosts:
        tab = host.find("ov:DesktopFormFactor/ov:ExtensionPoint/ov:OfficeTab", NS)
        assert tab.get("id") == "TabHome"
        action = tab.find("ov:Group/ov:Control/ov:Action", NS)
        assert action.get(f"{{{NS['xsi']}}}type") == "ShowTaskpane"
    info = root.find("ov:VersionOverrides/ov:WebApplicationInfo", NS)
    assert info.findtext("ov:Id", namespaces=NS) == CLIENT_ID
    assert info.findtext("ov:Resource", namespaces=NS) == f"api://addin.example.test:8443/{CLIENT_ID}"
    # Every resid names a resource that exists (the schema cannot check cross-references).
    resources = {e.get("id") for e in root.iterfind(".//bt:Images/bt:Image", NS)}
    resources |= {e.get("id") for e in root.iterfind(".//bt:Urls/bt:Url", NS)}
    resources |= {e.get("id") for e in root.iterfind(".//bt:ShortStrings/bt:String", NS)}
    resources |= {e.get("id") for e in root.iterfind(".//bt:LongStrings/bt:String", NS)}
    used = {e.get("resid") for e in root.iter() if e.get("resid")}
    assert used and used <= resources
    # Every URL points at the deployment (or the Microsoft sign-in domain), never a placeholder.
    urls = [e.get("DefaultValue") for e in root.iter() if (e.get("DefaultValue") or "").startswith("http")]
    urls += [e.text for e in root.iterfind("o:AppDomains/o:AppDomain", NS)]
    assert urls and all(u.startswith(BASE) or u == "https://login.microsoftonline.com" for u in urls)
    assert "{{" not in etree.tostring(root, encoding="unicode")


def test_without_client_id_no_sso_block() -> None:
    root = etree.fromstring(render_manifest(BASE).encode())
    assert root.find("ov:VersionOverrides/ov:WebApplicationInfo", NS) is None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('<DisplayName DefaultValue="生成AI支援（ガイドライン準拠）"/>', ""),  # required element missing
        ("<Version>1.0.0.0</Version>", "<Version>one</Version>"),  # not a version
        ('<Host xsi:type="Document">', '<Host xsi:type="Spreadsheet">'),  # unknown host type
        (f"<Id>{CLIENT_ID}</Id>", "<Id>not-a-guid</Id>"),  # SSO id must be a GUID
        ("<Permissions>ReadWriteDocument</Permissions>", "<Permissions>Everything</Permissions>"),
        ("<Hosts>\n    <Host", "<Hosts>\n    <Bogus/>\n    <Host"),  # element the schema does not know
    ],
)
def test_broken_manifest_rejected(schema: etree.XMLSchema, old: str, new: str) -> None:
    good = render_manifest(BASE, client_id=CLIENT_ID)
    assert old in good
    assert _errors(schema, good.replace(old, new, 1))


@pytest.mark.parametrize("url", ["ftp://x", "not a url", "https://h/?q=1", ""])
def test_bad_urls_refused(url: str) -> None:
    with pytest.raises(ManifestError):
        render_manifest(url)


def test_bad_client_id_refused() -> None:
    with pytest.raises(ManifestError, match="GUID"):
        render_manifest(BASE, client_id="abc")


def test_cli_writes_file(tmp_path: Path, schema: etree.XMLSchema) -> None:
    out = tmp_path / "manifest.xml"
    assert cli.main(["manifest", "--url", BASE, "-o", str(out), "--client-id", CLIENT_ID]) == 0
    text = out.read_text(encoding="utf-8")
    assert text == render_manifest(BASE, client_id=CLIENT_ID)
    assert _errors(schema, text) == []


def test_cli_refuses_plain_http(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["manifest", "--url", "http://localhost:8080"]) == 2
    assert "HTTPS" in capsys.readouterr().err


def test_cli_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["manifest", "--url", BASE]) == 0
    assert capsys.readouterr().out == render_manifest(BASE)


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icons_are_pngs_of_their_size(size: int) -> None:
    data = icon_bytes(size)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (size, size)


# -- the served manifest: PUBLIC_URL, or a loopback Host in development (issue 10) ----------
def _served(make_app: Callable[..., Flask], host: str, **config: object) -> tuple[int, str, str]:
    app = make_app(**config)
    client = app.test_client()
    resp = client.get("/manifest.xml", environ_overrides={"HTTP_HOST": host, "wsgi.url_scheme": "https",
                                                           "REMOTE_ADDR": "127.0.0.1"})
    return resp.status_code, resp.mimetype, resp.get_data(as_text=True)


@pytest.mark.parametrize("host", ["a b", 'evil.example"><x/>', "host:99999", "host:0", "[::1", "x:8080:1",
                                  "", "ex ample.test", "évil.example", "host:８０"])
def test_malformed_host_is_400_json(make_app: Callable[..., Flask], host: str) -> None:
    status, mimetype, text = _served(make_app, host)
    assert (status, mimetype) == (400, "application/json"), text
    body = json.loads(text)
    assert body["error"]["code"] == "invalid_host" and "Host" in body["error"]["message"]
    assert "evil" not in text and "<x/>" not in text  # the header is not echoed


def test_without_public_url_only_a_loopback_host_is_named(make_app: Callable[..., Flask]) -> None:
    status, _, text = _served(make_app, "addin.example.test")
    assert status == 400 and json.loads(text)["error"]["code"] == "public_url_required"
    assert "PUBLIC_URL" in json.loads(text)["error"]["message"]
    for host, base in [("localhost:8443", "https://localhost:8443"), ("127.0.0.1", "https://127.0.0.1"),
                       ("[::1]:9000", "https://[::1]:9000"), ("LocalHost:8443", "https://localhost:8443")]:
        status, mimetype, text = _served(make_app, host)
        assert (status, mimetype) == (200, "application/xml"), host
        assert text == render_manifest(base)


@pytest.mark.parametrize("host", ["evil.example", "a b", 'evil.example"><x/>', "host:99999"])
def test_public_url_wins_over_any_host(make_app: Callable[..., Flask], host: str) -> None:
    status, _, text = _served(make_app, host, PUBLIC_URL="https://addin.city.example/oasis/")
    assert status == 200
    assert text == render_manifest("https://addin.city.example/oasis")
    assert "evil" not in text


def test_public_url_wins_over_forwarded_host_from_a_trusted_proxy(make_app: Callable[..., Flask]) -> None:
    app = make_app(PUBLIC_URL="https://addin.city.example", TRUSTED_PROXIES="127.0.0.1")
    resp = app.test_client().get("/manifest.xml", headers={"X-Forwarded-Host": "evil.example",
                                                           "X-Forwarded-Proto": "http"},
                                 environ_overrides={"REMOTE_ADDR": "127.0.0.1"})
    assert resp.status_code == 200
    assert resp.get_data(as_text=True) == render_manifest("https://addin.city.example")


@pytest.mark.parametrize("value, message", [
    ("http://addin.city.example", "https"),
    ("https://user@addin.city.example", "PUBLIC_URL"),
    ("https://addin.city.example/?a=1", "PUBLIC_URL"),
    ("https://addin.city.example:99999", "PUBLIC_URL"),
    ('https://evil.example"><x/>', "PUBLIC_URL"),
    ("addin.city.example", "PUBLIC_URL"),
])
def test_public_url_is_validated_at_start_up(make_app: Callable[..., Flask], value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_app(PUBLIC_URL=value)


def test_public_url_may_be_plain_http_on_loopback(make_app: Callable[..., Flask]) -> None:
    app = make_app(PUBLIC_URL="http://localhost:8000/")
    assert services(app).settings.public_url == "http://localhost:8000"


def test_cli_takes_public_url_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("OASIS_PUBLIC_URL", raising=False)
    assert cli.main(["manifest"]) == 2
    assert "OASIS_PUBLIC_URL" in capsys.readouterr().err
    monkeypatch.setenv("OASIS_PUBLIC_URL", BASE)
    assert cli.main(["manifest"]) == 0
    assert capsys.readouterr().out == render_manifest(BASE)


@settings(max_examples=300, deadline=None, derandomize=True)
@example("localhost")
@example("127.0.0.1:8443")
@example("[::1]:1")
@example("127.1.2.3:65535")
@given(st.one_of(st.text(max_size=40),
                 st.text(st.sampled_from(list("localhost127.0:1[]::8ab -\"<>/@%")), max_size=30)))
def test_any_host_header_is_refused_or_renders_a_manifest_for_a_loopback_url(host: str) -> None:
    try:
        base = served_base_url(None, host, "https")
    except BadHost as exc:
        assert exc.code in ("invalid_host", "public_url_required")
        return
    parts = urlsplit(base)
    assert parts.scheme == "https" and is_loopback(parts.hostname)
    root = etree.fromstring(render_manifest(base).encode("utf-8"))
    urls = [v for el in root.iter() for v in el.attrib.values() if "://" in v and not v.startswith("http://schemas")]
    assert urls and all(url.startswith(base + "/") for url in urls), urls
