from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from addin_server.cli import main
from docx_tools import package
from docx_tools.package import Package, PackageError
from tests.docx_tools import helpers as h


def _good() -> bytes:
    pkg = Package.from_bytes(h.docx_bytes(["AIの段落。"]))
    h.wrap(pkg, [0], "G1")
    return h.finish(pkg, [h.ins("G1", "AIの段落。")])


def _rezip(data: bytes, drop: set[str] = frozenset(), replace: dict[str, bytes] | None = None,
           add: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename in drop:
                continue
            out.writestr(info.filename, (replace or {}).get(info.filename, src.read(info)))
        for name, blob in (add or {}).items():
            out.writestr(name, blob)
    return buf.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>
<w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&xxe;</Types>"""


def _bomb() -> bytes:
    """4 MiB of zeros deflate to about 4 KiB: far above the ratio limit."""
    return _rezip(_good(), add={"word/media/zeros.bin": b"\0" * (4 * 1024 * 1024)})


def hostile_files() -> dict[str, tuple[bytes, str]]:
    good = _good()
    return {
        "not_zip.docx": (b"This is plain text, not a document.\n" * 10, "not_zip"),
        "encrypted.docx": (package.OLE_SIGNATURE + b"\0" * 4096, "encrypted"),
        "truncated.docx": (good[: len(good) // 2], "corrupt"),
        "bomb.docx": (_bomb(), "zip_bomb"),
        "dtd.docx": (_rezip(good, replace={"word/document.xml": BILLION_LAUGHS}), "unsafe_xml"),
        "xxe.docx": (_rezip(good, replace={"[Content_Types].xml": XXE}), "unsafe_xml"),
        "no_types.docx": (_rezip(good, drop={"[Content_Types].xml"}), "missing_part"),
        "no_body.docx": (_rezip(good, drop={"word/document.xml"}), "missing_part"),
        "bad_xml.docx": (_rezip(good, replace={"word/document.xml": b"<w:document><unclosed>"}), "bad_xml"),
    }


@pytest.mark.parametrize("name", sorted(hostile_files()))
def test_each_hostile_file_gets_a_clear_error(name: str) -> None:
    data, code = hostile_files()[name]
    with pytest.raises(PackageError) as err:
        from docx_tools import tagger

        tagger.process_bytes(data, ".docx")
    assert err.value.code == code
    assert any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in err.value.message)


def test_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package, "MAX_TOTAL_UNCOMPRESSED", 10_000)
    with pytest.raises(PackageError) as err:
        Package.from_bytes(_good())
    assert err.value.code == "zip_bomb"


def test_batch_continues_and_originals_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    originals = {}
    for name, (data, _code) in hostile_files().items():
        (folder / name).write_bytes(data)
        originals[name] = data
    (folder / "good.docx").write_bytes(_good())
    report = tmp_path / "report.json"
    rc = main(["tag", str(folder), "--in-place", "--report", str(report), "--quiet"])
    assert rc == 2
    for name, data in originals.items():
        assert (folder / name).read_bytes() == data, name
    files = {Path(f["path"]).name: f for f in json.loads(report.read_text("utf-8"))["files"]}
    for name in originals:
        assert files[name]["error"] and files[name]["insertions"] == []
    assert files["good.docx"]["insertions"] == [
        {"id": "G1", "operation": "summarize", "status": "unmodified", "tagged": True}]
    assert (folder / "good.docx").read_bytes() != _good()
    assert not list(folder.glob(".oasis-*"))  # no temp files left behind
