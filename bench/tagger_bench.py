"""Benchmark: the disclosure tagger against a bare python-docx open+save of the same files.

    .venv/bin/python bench/tagger_bench.py [--docs 200] [--paragraphs 60] [--repeat 3]

Prints documents per second for the floor (python-docx open+save), the tagger with one job
and with two jobs, and the ratios. Targets: tagger >= 0.8x the floor; --jobs 2 >= 1.7x.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import docx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from addin_server.cli import main as cli_main  # noqa: E402
from docx_tools import disclosure, provenance, revisions  # noqa: E402
from docx_tools.oxml import qn  # noqa: E402
from docx_tools.package import Package  # noqa: E402


def make_document(k: int, paragraphs: int) -> bytes:
    d = docx.Document()
    d.add_heading(f"報告書 {k}", level=1)
    for i in range(paragraphs):
        p = d.add_paragraph(f"第{i}段落。大阪市の業務で生成AIを利用する際の留意点を整理した文章です。")
        p.add_run("強調された部分。").bold = True
        p.add_run("続きの文。")
    table = d.add_table(rows=5, cols=4)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"{r}-{c}"
    buf = io.BytesIO()
    d.save(buf)
    pkg = Package.from_bytes(buf.getvalue())
    root = pkg.xml("word/document.xml")
    body = root.find(qn("w:body"))
    paras = body.findall(qn("w:p"))
    ai_text = "要約：本文書は生成AIの利用方針をまとめたものである。"
    w = revisions.RevisionWriter(root, "oasis-addin")
    w.insert_paragraphs_after(paras[5], ["承諾待ちの要約文。"], "oasis:p-" + str(k), disclosure.CONTROL_TITLE)
    target = paras[3]
    for r in target.findall(qn("w:r")):
        target.remove(r)
    target.append(w.new_run(ai_text, None))
    revisions.wrap_in_sdt([target], f"oasis:u-{k}", disclosure.CONTROL_TITLE, str(k))
    pkg.mark_changed("word/document.xml")
    provenance.add_provenance(pkg, [
        provenance.make_insertion(f"u-{k}", "summarize", "bench-model", ai_text),
        provenance.make_insertion(f"p-{k}", "summarize", "bench-model", "承諾待ちの要約文。"),
        provenance.make_insertion(f"m-{k}", "proofread", "bench-model", "どこにもない文。"),
    ])
    return pkg.to_bytes()


def floor(files: list[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for f in files:
        docx.Document(str(f)).save(str(out / f.name))
    return time.perf_counter() - start


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[int, float] = {}


def tag(folder: Path, out: Path, jobs: int) -> float:
    cpu = _cpu()
    start = time.perf_counter()
    rc = cli_main(["tag", str(folder), "--out", str(out), "--jobs", str(jobs), "--quiet"])
    elapsed = time.perf_counter() - start
    # Worker CPU is counted once the pool has shut down (RUSAGE_CHILDREN covers reaped children).
    CPU[jobs] = min(CPU.get(jobs, float("inf")), _cpu() - cpu)
    if rc not in (0, 1):
        raise SystemExit(f"tagger failed with exit code {rc}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--paragraphs", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="oasis-bench-"))
    try:
        folder = work / "in"
        folder.mkdir()
        for k in range(args.docs):
            (folder / f"doc{k:04d}.docx").write_bytes(make_document(k, args.paragraphs))
        files = sorted(folder.glob("*.docx"))
        size = sum(f.stat().st_size for f in files) / len(files) / 1024
        print(f"{len(files)} documents, {size:.0f} KiB each on average")
        load = os.getloadavg()[0]
        print(f"load average before the run: {load:.2f} on {os.cpu_count()} cores")
        if load > 0.5:
            print("note: other work is running; the --jobs 2 speed-up needs two idle cores to be meaningful")
        best = {"floor": float("inf"), "tag1": float("inf"), "tag2": float("inf")}
        for r in range(args.repeat):
            best["floor"] = min(best["floor"], floor(files, work / f"floor{r}"))
            best["tag1"] = min(best["tag1"], tag(folder, work / f"tag1-{r}", 1))
            best["tag2"] = min(best["tag2"], tag(folder, work / f"tag2-{r}", 2))
        n = len(files)
        rate = {k: n / v for k, v in best.items()}
        print(f"python-docx open+save (floor): {rate['floor']:8.1f} docs/s")
        print(f"tagger --jobs 1:               {rate['tag1']:8.1f} docs/s")
        print(f"tagger --jobs 2:               {rate['tag2']:8.1f} docs/s")
        print(f"ratio tagger/floor:            {rate['tag1'] / rate['floor']:8.2f}x  (target >= 0.8x)")
        print(f"speed-up --jobs 2 vs 1:        {best['tag1'] / best['tag2']:8.2f}x  (target >= 1.7x)")
        print(f"CPU seconds, --jobs 1 / 2:     {CPU[1]:8.2f} / {CPU[2]:.2f}")
        print(f"speed-up from CPU time:        {CPU[1] / (CPU[2] / 2):8.2f}x  (what two idle cores give: "
              "the work split over two processes)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
