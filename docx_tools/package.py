"""OPC package access with safety checks and part-by-part rewriting.

A :class:`Package` holds every part's bytes exactly as read. Callers replace only the parts
they change; :meth:`Package.write` copies all other parts byte for byte, in the original
order and with the original compression, so nothing the tools did not touch can get lost.
"""

from __future__ import annotations

import io
import os
import posixpath
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from docx_tools import oxml

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Limits against zip bombs: a real office file of a city department stays far below them.
MAX_TOTAL_UNCOMPRESSED = 512 * 1024 * 1024
MAX_PART_UNCOMPRESSED = 256 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_SIZE = 1024 * 1024  # small parts compress very well legitimately
MAX_PARTS = 10000


class PackageError(Exception):
    """A file that cannot be processed safely; ``message`` is Japanese, for the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Package:
    path: Path | None
    infos: list[zipfile.ZipInfo]
    parts: dict[str, bytes]
    changed: set[str] = field(default_factory=set)
    original: dict[str, bytes] = field(default_factory=dict)
    _xml: dict[str, etree._Element] = field(default_factory=dict)

    # ---- reading ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Package:
        p = Path(path)
        with p.open("rb") as fh:
            data = fh.read()
        return cls.from_bytes(data, p)

    @classmethod
    def from_bytes(cls, data: bytes, path: Path | None = None) -> Package:
        if data[:8] == OLE_SIGNATURE:
            raise PackageError(
                "encrypted",
                "パスワードで暗号化されているか、古い形式（.doc/.xls）のファイルです。"
                "暗号化を解除し .docx/.xlsx で保存してから処理してください。",
            )
        if not data.startswith(b"PK"):
            raise PackageError("not_zip", "Office Open XML（.docx/.xlsx）のファイルではありません（zip 形式ではない）。")
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise PackageError(
                "corrupt", f"ファイルが壊れているか途中で切れています（zip を読めません: {exc}）。"
            ) from exc
        with zf:
            infos = zf.infolist()
            _check_limits(infos)
            parts: dict[str, bytes] = {}
            for info in infos:
                if info.flag_bits & 0x1:
                    raise PackageError("encrypted", "zip の中身が暗号化されています。暗号化を解除してから処理してください。")
                if info.is_dir():
                    continue
                try:
                    parts[info.filename] = zf.read(info)
                except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
                    raise PackageError(
                        "corrupt",
                        f"ファイルが壊れているか途中で切れています（{info.filename} を読めません）。",
                    ) from exc
        pkg = cls(path=path, infos=[i for i in infos if not i.is_dir()], parts=parts, original=dict(parts))
        pkg._check_xml_safety()
        pkg._check_required()
        return pkg

    def _check_xml_safety(self) -> None:
        for name, data in self.parts.items():
            if _is_xml_name(name) and oxml.has_doctype(data):
                raise PackageError(
                    "unsafe_xml",
                    f"安全でない XML（DTD またはエンティティ宣言）を含むため処理しません: {name}",
                )

    def _check_required(self) -> None:
        for name in ("[Content_Types].xml", "_rels/.rels"):
            if name not in self.parts:
                raise PackageError("missing_part", f"必要な部品 {name} がありません。ファイルが壊れています。")
        if self.main_part_name() is None:
            raise PackageError("missing_part", "本文の部品（officeDocument）が見つかりません。ファイルが壊れています。")

    # ---- parts -------------------------------------------------------------------------

    def xml(self, name: str, parser: etree.XMLParser | None = None) -> etree._Element:
        """Parsed part (cached); callers that change it call :meth:`mark_changed`."""
        if name not in self._xml:
            if name not in self.parts:
                raise PackageError("missing_part", f"必要な部品 {name} がありません。ファイルが壊れています。")
            try:
                self._xml[name] = oxml.parse_xml(self.parts[name], parser)
            except oxml.UnsafeXmlError as exc:
                raise PackageError("unsafe_xml", f"安全でない XML（DTD/エンティティ）を含むため処理しません: {name}") from exc
            except etree.XMLSyntaxError as exc:
                raise PackageError("bad_xml", f"XML が壊れています: {name}（{exc.msg}）") from exc
        return self._xml[name]

    def mark_changed(self, name: str) -> None:
        self.changed.add(name)

    def set_part(self, name: str, data: bytes) -> None:
        if name not in self.parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            self.infos.append(info)
        self.parts[name] = data
        self._xml.pop(name, None)
        self.changed.add(name)

    def set_xml(self, name: str, root: etree._Element) -> None:
        if name not in self.parts:
            self.set_part(name, b"")
        self._xml[name] = root
        self.changed.add(name)

    def rels_name(self, part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def relationships(self, part: str) -> list[tuple[str, str, str, str]]:
        """(rId, type, resolved target part name, target mode) of a part ('' for the package)."""
        rels = self.rels_name(part) if part else "_rels/.rels"
        if rels not in self.parts:
            return []
        base = posixpath.dirname(part)
        out = []
        for rel in self.xml(rels).iter(f"{{{oxml.NSMAP['pr']}}}Relationship"):
            target = rel.get("Target", "")
            mode = rel.get("TargetMode", "Internal")
            if mode == "External":
                resolved = target
            elif target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(base, target))
            out.append((rel.get("Id", ""), rel.get("Type", ""), resolved, mode))
        return out

    def add_relationship(self, part: str, rel_type: str, target_part: str) -> str:
        rels = self.rels_name(part)
        if rels not in self.parts:
            root = etree.Element(f"{{{oxml.NSMAP['pr']}}}Relationships", nsmap=oxml.default_nsmap(oxml.NSMAP["pr"]))
            self.set_xml(rels, root)
        root = self.xml(rels)
        ids = {rel.get("Id") for rel in root}
        n = 1
        while f"rId{n}" in ids or f"rIdOasis{n}" in ids:
            n += 1
        rid = f"rIdOasis{n}"
        rel = etree.SubElement(root, f"{{{oxml.NSMAP['pr']}}}Relationship")
        rel.set("Id", rid)
        rel.set("Type", rel_type)
        rel.set("Target", posixpath.relpath(target_part, posixpath.dirname(part) or "."))
        self.mark_changed(rels)
        return rid

    def ensure_content_type(self, part: str, content_type: str) -> None:
        root = self.xml("[Content_Types].xml")
        ns = oxml.NSMAP["ct"]
        for el in root.iter(f"{{{ns}}}Override"):
            if el.get("PartName", "").lstrip("/").lower() == part.lower():
                return
        ext = part.rsplit(".", 1)[-1].lower()
        if content_type == oxml.CT_VML:
            for el in root.iter(f"{{{ns}}}Default"):
                if el.get("Extension", "").lower() == ext and el.get("ContentType") == content_type:
                    return
            el = etree.SubElement(root, f"{{{ns}}}Default")
            el.set("Extension", ext)
            el.set("ContentType", content_type)
            # Defaults must come before overrides for strict readers.
            first_override = root.find(f"{{{ns}}}Override")
            if first_override is not None:
                first_override.addprevious(el)
        else:
            el = etree.SubElement(root, f"{{{ns}}}Override")
            el.set("PartName", "/" + part)
            el.set("ContentType", content_type)
        self.mark_changed("[Content_Types].xml")

    def main_part_name(self) -> str | None:
        for _rid, rtype, target, _mode in self.relationships(""):
            if rtype in (oxml.RT_OFFICE_DOCUMENT, oxml.RT_OFFICE_DOCUMENT_STRICT) and target in self.parts:
                return target
        return None

    def main_part(self) -> str:
        """The main document part (word/document.xml, xl/workbook.xml); a clear error if absent."""
        main = self.main_part_name()
        if main is None:
            raise PackageError("missing_part", "文書の本体（メインの部品）が見つかりません。壊れたファイルの可能性があります。")
        return main

    def unique_part_name(self, pattern: str) -> str:
        """First free name for a pattern with one ``{}`` (``xl/comments{}.xml``)."""
        lowered = {n.lower() for n in self.parts}
        n = 1
        while pattern.format(n).lower() in lowered:
            n += 1
        return pattern.format(n)

    # ---- writing -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        for name in list(self.changed):
            if name in self._xml:
                self.parts[name] = oxml.serialize(self._xml[name])
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", allowZip64=True) as out:
            for info in self.infos:
                data = self.parts[info.filename]
                new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                new.compress_type = info.compress_type if info.compress_type in (0, 8) else zipfile.ZIP_DEFLATED
                new.external_attr = info.external_attr
                new.create_system = info.create_system
                new.comment = info.comment
                new.extra = b""
                out.writestr(new, data)
        return buf.getvalue()


def write_atomic(dest: Path, data: bytes, durable: bool = True) -> None:
    """Temp file in the target folder, read back and compared, then renamed over ``dest``.

    ``durable`` also syncs the temp file to disk before the rename (needed when replacing an
    original, not for a fresh copy). On any failure the temp file is removed and ``dest`` is
    left as it was.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".oasis-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        with open(tmp, "rb") as fh:
            if fh.read() != data:
                raise PackageError("verify_failed", "一時ファイルの読み戻し検査に失敗しました。元のファイルは変更していません。")
        if dest.exists():
            os.chmod(tmp, dest.stat().st_mode & 0o7777)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _is_xml_name(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith((".xml", ".rels", ".vml"))


def _check_limits(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_PARTS:
        raise PackageError("zip_bomb", f"部品の数が多すぎます（{len(infos)} 個）。zip 爆弾の疑いがあるため処理しません。")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_UNCOMPRESSED or total > MAX_TOTAL_UNCOMPRESSED:
            raise PackageError(
                "zip_bomb", "展開後のサイズが大きすぎます。zip 爆弾の疑いがあるため処理しません。"
            )
        if info.file_size >= RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageError(
                "zip_bomb",
                f"圧縮率が異常に高い部品があります（{info.filename}）。zip 爆弾の疑いがあるため処理しません。",
            )
