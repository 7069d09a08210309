"""The one manifest template: rendering, the CLI, and offline schema validation."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from lxml import etree

from addin_server import cli
from addin_server.manifest import ICON_SIZES, ManifestError, icon_bytes, render_manifest

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
