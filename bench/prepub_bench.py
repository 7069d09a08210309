"""Benchmark: the pane's 公開前チェック against the batch tagger's dry run on the same document.

    .venv/bin/python bench/prepub_bench.py [--paragraphs 3000] [--insertions 200] [--repeat 5]

Builds one long document (paragraphs of text, `--insertions` AI insertions: summaries in controls
and per-edit proofreads, in all four statuses), then times, best of `--repeat`:
the baseline — the tagger classifying the .docx (`process_bytes(..., dry_run=True)`: unzip, parse,
classify) — and the check as the pane gets it: POST /api/v1/disclosure/check with the body's
flat OPC and the provenance part, through the real app (JSON decode, schema, classify, audit
record, JSON answer). Prints both and their ratio.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docx_tools import tagger  # noqa: E402
from docx_tools.package import Package  # noqa: E402
from tests.docx_tools import helpers as h  # noqa: E402


def make_document(paragraphs: int, insertions: int) -> bytes:
    texts = [f"第{i}段落。資料を確認して下さい。期限わ来週の月曜日です。大阪市の業務の説明文です。" for i in range(paragraphs)]
    pkg = Package.from_bytes(h.docx_bytes(texts))
    step = max(1, paragraphs // insertions)
    records = []
    picked = list(range(0, paragraphs, step))[:insertions]
    for k, i in enumerate(reversed(picked)):
        ins_id = f"B{i}"
        if k % 2:
            h.proofread_edits(pkg, i, ins_id, [("下さい", "ください"), ("わ", "は")])
            if k % 4 == 1:
                h.accept_in(h.body_paragraphs(pkg)[i])
            records.append(h.proofread_ins(ins_id, ["ください", "は"]))
        else:
            h.wrap(pkg, [i], ins_id)
            records.append(h.ins(ins_id, texts[i] if k % 3 else texts[i] + "（元の文）"))
    return h.finish(pkg, records)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paragraphs", type=int, default=3000)
    ap.add_argument("--insertions", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    data = make_document(args.paragraphs, args.insertions)
    body = json.dumps({"host": "word", "ooxml": h.flat_opc(data), "provenance": h.provenance_xml(data)},
                      ensure_ascii=False).encode("utf-8")
    from addin_server.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "AUTH_MODE": "dev", "DATABASE_URL": f"sqlite:///{tmp}/a.db",
                          "RATE_LIMIT": "100000 per minute"})
        client = app.test_client()
        client.environ_base.update({"REMOTE_ADDR": "127.0.0.1"})

        def check() -> None:
            resp = client.post("/api/v1/disclosure/check", data=body, content_type="application/json",
                               headers={"X-Oasis-User": "bench"})
            assert resp.status_code == 200, resp.get_json()

        def tag() -> None:
            tagger.process_bytes(data, ".docx", dry_run=True)

        tag()
        check()
        base = best(tag, args.repeat)
        pane = best(check, args.repeat)
    _new, results = tagger.process_bytes(data, ".docx", dry_run=True)
    print(f"document: {len(data) / 1024:.0f} KiB .docx, {args.paragraphs} paragraphs, {len(results)} insertions; "
          f"request body {len(body) / 1024 / 1024:.2f} MiB")
    print(f"tagger dry run (baseline):      {base * 1000:8.1f} ms")
    print(f"POST /api/v1/disclosure/check:  {pane * 1000:8.1f} ms")
    print(f"ratio check/tagger:             {pane / base:8.2f}x")


if __name__ == "__main__":
    main()
