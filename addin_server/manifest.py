"""Render the one add-in manifest template (manifest/manifest.xml) for a deployment URL.

Used by `oasis-addin manifest --url URL [-o FILE]` and by the server's GET /manifest.xml,
so the two can never drift apart: there is no second hand-kept copy.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import sys
import uuid
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from lxml import etree

from addin_server.config import is_loopback

TEMPLATE_PACKAGE = "addin_server.manifest_template"
TEMPLATE_NAME = "manifest.xml"
DEFAULT_VERSION = "1.0.0.0"
ICON_SIZES = (16, 32, 64, 80)
TASKPANE_NS = "http://schemas.microsoft.com/office/taskpaneappversionoverrides"
_VERSION_RE = re.compile(r"^[0-9]{1,5}(\.[0-9]{1,5}){0,3}$")


class ManifestError(ValueError):
    """A value that cannot go into the manifest; the message is Japanese, for the person."""


def template_text() -> str:
    return resources.files(TEMPLATE_PACKAGE).joinpath(TEMPLATE_NAME).read_text(encoding="utf-8")


def icon_bytes(size: int) -> bytes:
    """The committed PNG icon of `size` pixels (16, 32, 64 or 80)."""
    if size not in ICON_SIZES:
        raise KeyError(size)
    return resources.files(TEMPLATE_PACKAGE).joinpath(f"icon-{size}.png").read_bytes()


def normalize_base_url(url: str, *, require_https: bool = False) -> str:
    """`scheme://host[:port][/path]` without a trailing slash, or ManifestError."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ManifestError(
            f"URL の形式が正しくありません: {url!r}（例: https://addin.example.city.osaka.jp）"
        )
    if require_https and parts.scheme != "https":
        raise ManifestError(
            "Office アドインは HTTPS で配信する必要があります。https:// で始まる URL を指定してください。"
        )
    if parts.query or parts.fragment:
        raise ManifestError("URL にクエリや # を含めないでください。")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


class BadHost(ManifestError):
    """The request's Host header is not a host name."""

    code = "invalid_host"


class HostNotServed(BadHost):
    """A well-formed Host that is not loopback while no PUBLIC_URL is configured."""

    code = "public_url_required"


# A DNS name (RFC 1123 labels), an IPv4 address, or a bracketed IPv6 address; optional port.
_HOST_RE = re.compile(
    r"^(?:\[(?P<v6>[0-9A-Fa-f:.]{2,45})\]"
    r"|(?P<name>[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*))"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)
BAD_HOST_MESSAGE = "Host ヘッダーの形式が正しくありません。サーバーの URL（例: https://localhost:8443）で接続してください。"
NOT_LOOPBACK_MESSAGE = (
    "このサーバーには公開 URL（PUBLIC_URL）が設定されていないため、マニフェストはこのパソコン"
    "（localhost）から開いたときだけ作成できます。管理者は OASIS_PUBLIC_URL に職員が使う https:// の URL を"
    "設定してください（docs/deployment.md）。"
)


def parse_host(value: str | None) -> tuple[str, int | None]:
    """A Host header as (lower-case host, port) — the host bracketed if IPv6 — or BadHost."""
    if not value or len(value) > 260:
        raise BadHost(BAD_HOST_MESSAGE)
    match = _HOST_RE.match(value)
    if match is None:
        raise BadHost(BAD_HOST_MESSAGE)
    port = int(match["port"]) if match["port"] is not None else None
    if port is not None and not 1 <= port <= 65535:
        raise BadHost(BAD_HOST_MESSAGE)
    if match["v6"] is not None:
        try:
            host = f"[{ipaddress.IPv6Address(match['v6']).compressed}]"
        except ValueError:
            raise BadHost(BAD_HOST_MESSAGE) from None
    else:
        host = match["name"].lower()
    return host, port


def served_base_url(public_url: str | None, host_header: str | None, scheme: str) -> str:
    """The base URL the served manifest names.

    With PUBLIC_URL set it is that URL and the request's Host is ignored (a client cannot make
    the server hand out a manifest pointing elsewhere). Without it only a loopback Host is
    believed — the developer's own computer — and anything else is refused (BadHost).
    """
    if public_url:
        return normalize_base_url(public_url)
    host, port = parse_host(host_header)
    if not is_loopback(host):
        raise HostNotServed(NOT_LOOPBACK_MESSAGE)
    if scheme not in ("http", "https"):
        raise BadHost(BAD_HOST_MESSAGE)
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def render_manifest(
    base_url: str,
    *,
    client_id: str | None = None,
    version: str = DEFAULT_VERSION,
    require_https: bool = False,
) -> str:
    """The manifest XML for an add-in served at `base_url`.

    `client_id` is the Entra ID application (client) id used for Office single sign-on; when
    given, VersionOverrides carries WebApplicationInfo with resource `api://host/<client_id>`.
    """
    base = normalize_base_url(base_url, require_https=require_https)
    if not _VERSION_RE.match(version):
        raise ManifestError(f"バージョンは 1.0.0.0 の形式で指定してください: {version!r}")
    if client_id is not None:
        try:
            client_id = str(uuid.UUID(client_id))
        except ValueError as exc:
            raise ManifestError(f"クライアント ID は GUID で指定してください: {client_id!r}") from exc
    values = {
        "BASE_URL": base,
        "HOST": urlsplit(base).netloc,
        "VERSION": version,
        "CLIENT_ID": client_id or "00000000-0000-0000-0000-000000000000",
    }
    text = template_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", escape(value, {'"': "&quot;"}))
    root = etree.fromstring(text.encode("utf-8"))
    if client_id is None:
        for info in root.iter(f"{{{TASKPANE_NS}}}WebApplicationInfo"):
            parent = info.getparent()
            if parent is not None:
                parent.remove(info)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8") + "\n"


def _run(args: argparse.Namespace) -> int:
    import os

    url = args.url or os.environ.get("OASIS_PUBLIC_URL", "").strip()
    if not url:
        print("エラー: --url を指定するか、環境変数 OASIS_PUBLIC_URL を設定してください。", file=sys.stderr)
        return 2
    try:
        xml = render_manifest(url, client_id=args.client_id, version=args.version, require_https=True)
    except ManifestError as exc:
        print(f"エラー: {exc}", file=sys.stderr)
        return 2
    if args.output in (None, "-"):
        sys.stdout.write(xml)
    else:
        Path(args.output).write_text(xml, encoding="utf-8")
        print(f"マニフェストを書き出しました: {args.output}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `oasis-addin manifest --url URL [-o FILE]`."""
    parser = sub.add_parser(
        "manifest",
        help="write the Office add-in manifest for a deployment URL",
        description="Render the Word/Excel add-in manifest for the server at --url (HTTPS).",
    )
    parser.add_argument("--url", help="base URL of the server, e.g. https://host:8443 (default: $OASIS_PUBLIC_URL)")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    parser.add_argument("--client-id", help="Entra ID application (client) id for single sign-on")
    parser.add_argument("--version", default=DEFAULT_VERSION, help="add-in version (default %(default)s)")
    parser.set_defaults(func=_run)
