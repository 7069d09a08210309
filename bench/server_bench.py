"""Server benchmark (issue 7): overhead of the service over the model, and throughput.

Everything runs on loopback: the local OpenAI-compatible test model (tests/fakes/openai_server.py)
and real gunicorn processes (gunicorn.conf.py, gthread) with the audit log and ledger in
PostgreSQL (a throwaway database; SQLite with --sqlite or when PostgreSQL is not reachable).

1. Overhead: p50/p95 of one summarize through the server ÷ p50/p95 of a direct `openai` client
   call to the same model, at 0 s and 1 s model latency (requests one after another). The direct
   call is the baseline measured in the same run. Target: <= 1.05 at 1 s.
2. Throughput: 50 summarize requests at once with the model answering after 1 s, with 2 and 4
   worker processes of T threads each (and 2 with gunicorn's default worker_connections, for
   comparison). Baseline: the ideal wall time, ceil(50 / (W x T)) rounds x the direct p50 at 1 s.

    .venv/bin/python bench/server_bench.py [--threads 4] [--repeat 20] [--sqlite]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test model and harness live in tests/

from addin_server.llm.prompts import build_messages
from tests.fakes.openai_server import FakeOpenAI
from tests.scale.harness import GunicornServer, post, post_all
from tests.scale.pgdb import fresh_database, reachable

TEXT = ("市民課では住民票の写しの交付について案内しました。次回の打合せでは、令和7年度予算の要求内容を確認する"
        "予定です。窓口の混雑状況を踏まえ、受付時間の延長について検討が必要です。") * 4


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    call()  # warm-up: connections, dictionaries, first-request work
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def database(sqlite: bool, folder: Path) -> AbstractContextManager[str]:
    if sqlite or not reachable():
        return nullcontext(f"sqlite:///{folder}/bench.db")
    return fresh_database("oasis_bench")


@contextmanager
def server(db_url: str, model: FakeOpenAI, folder: Path, workers: int, threads: int,
           extra_env: dict[str, str] | None = None) -> Iterator[GunicornServer]:
    config = {"DATABASE_URL": db_url, "AUTH_MODE": "dev", "LLM_PROVIDER": "openai", "LLM_BASE_URL": model.base_url,
              "APPROVED_ENDPOINTS": model.base_url, "LLM_MODEL": "fake-gpt", "LLM_TIMEOUT": 30,
              "LLM_MAX_RETRIES": 0, "RATE_LIMIT": "100000 per minute"}
    srv = GunicornServer(folder / f"gunicorn-{workers}x{threads}.log", config, workers=workers, threads=threads,
                         extra_env=extra_env)
    try:
        yield srv.wait_ready(120)
    finally:
        srv.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    ap.add_argument("--repeat", type=int, default=20, help="sequential requests per latency (default 20)")
    ap.add_argument("--concurrent", type=int, default=50, help="requests at once for throughput (default 50)")
    ap.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = ap.parse_args()

    model = FakeOpenAI().start()
    direct = openai.OpenAI(base_url=model.base_url, api_key="bench", max_retries=0, timeout=30)
    # The same prompt the gateway sends, so both sides move the same bytes.
    messages = build_messages("summarize", TEXT, None)

    def direct_call() -> None:
        direct.chat.completions.create(model="fake-gpt", messages=messages, temperature=0.2)  # type: ignore[arg-type]

    folder = Path(tempfile.mkdtemp(prefix="oasis-bench-"))
    with database(args.sqlite, folder) as db_url:
        print(f"database: {db_url.split(':')[0]}   gunicorn gthread, {args.threads} threads per worker")
        print("\n== overhead: summarize through the server ÷ direct openai call (sequential) ==")
        print(f"{'latency':>8} {'direct p50':>11} {'direct p95':>11} {'server p50':>11} {'server p95':>11}"
              f" {'p50 ratio':>10} {'p95 ratio':>10}")
        direct_p50_1s = 1.0
        with server(db_url, model, folder, 2, args.threads) as srv:
            for latency in (0.0, 1.0):
                model.latency = latency
                repeat = args.repeat if latency == 0 else max(5, args.repeat // 2)
                base = timed(direct_call, repeat)

                def through_server(srv: GunicornServer = srv) -> None:
                    reply = post(srv.base, "/api/v1/summarize", {"text": TEXT, "host": "word"}, "bench")
                    assert reply.status == 200, reply.body

                mine = timed(through_server, repeat)
                b50, b95, s50, s95 = (percentile(base, 50), percentile(base, 95), percentile(mine, 50),
                                      percentile(mine, 95))
                if latency == 1.0:
                    direct_p50_1s = b50
                print(f"{latency:>7.1f}s {b50 * 1000:>9.1f}ms {b95 * 1000:>9.1f}ms {s50 * 1000:>9.1f}ms "
                      f"{s95 * 1000:>9.1f}ms {s50 / b50:>10.3f} {s95 / b95:>10.3f}")

        print(f"\n== throughput: {args.concurrent} summarize requests at once, model latency 1 s ==")
        print("ideal wall = ceil(requests / (workers x threads)) rounds x direct p50 at 1 s")
        print(f"{'workers':>8} {'threads':>8} {'conns/worker':>13} {'wall':>8} {'req/s':>8} {'ideal wall':>11}"
              f" {'ideal/wall':>11}")
        model.latency = 1.0
        runs = [(2, None), (4, None), (2, "1000")]  # the last: gunicorn's default worker_connections
        for workers, conns in runs:
            extra = {"GUNICORN_WORKER_CONNECTIONS": conns} if conns else None
            with server(db_url, model, folder, workers, args.threads, extra) as srv:
                post(srv.base, "/api/v1/summarize", {"text": TEXT, "host": "word"}, "warm")
                t = time.perf_counter()
                replies = post_all((srv.base, "/api/v1/summarize", {"text": TEXT, "host": "word"}, f"b{i}")
                                   for i in range(args.concurrent))
                wall = time.perf_counter() - t
                assert all(r.status == 200 for r in replies), {r.status for r in replies}
                ideal = math.ceil(args.concurrent / (workers * args.threads)) * direct_p50_1s
                print(f"{workers:>8} {args.threads:>8} {conns or args.threads:>13} {wall:>7.2f}s "
                      f"{args.concurrent / wall:>8.2f} {ideal:>10.2f}s {ideal / wall:>11.3f}")
    model.stop()


if __name__ == "__main__":
    main()
