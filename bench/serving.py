"""Which gunicorn options serve best on this machine: the same pages under each, side by side.

    .venv/bin/python bench/serving.py [--rounds 3] [--duration 5] [--connections 16]

Builds one SQLite database with a 200-event story (bench/prepare.py), then for each serving
option starts gunicorn (run.py's Server) and loads the minimal view, the stamped story page and
the story page rendered with every cache empty (a second server with bench/every_cache_empty.py)
with wrk, in rounds, so a bimodal option (connections landing on one worker) shows as spread
between rounds. Prints a Markdown table: median, lowest and highest requests/s over the rounds,
median p50 and p99, and each page's ratio to the minimal view under the same option.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import PYTHON, ROOT, Server, Serving, config_env, fresh_database, run_json, wrk  # noqa: E402

THREADED = "newsroom.serving.ThreadWorker"
OPTIONS = [
    Serving("sync", workers=2),
    Serving("sync", workers=3),
    Serving("gthread", workers=2, threads=4, keep_alive=0),
    Serving("gthread", workers=2, threads=4, keep_alive=5),
    Serving(THREADED, workers=2, threads=4, keep_alive=5),
    Serving(THREADED, workers=2, threads=4, keep_alive=0),
    Serving(THREADED, workers=2, threads=2, keep_alive=0),
    Serving(THREADED, workers=2, threads=1, keep_alive=0),
    Serving(THREADED, workers=3, threads=1, keep_alive=0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    env = {**config_env("sqlite-locmem", 200), "NEWSROOM_PAGE_CACHE_SECONDS": "0"}
    fresh_database(env)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    endpoints = run_json(["--events", "200"], env)["endpoints"]
    paths = {row["name"]: row["url"] for row in endpoints}
    floor, story = paths["minimal Django view (/healthz)"], paths["story page"]
    # (label, path, settings module or None for the production settings)
    pages = [("minimal Django view (/healthz)", floor, None), ("story page", story, None),
             ("story page, every cache empty", story, "bench.every_cache_empty")]
    print(f"| serving ({args.connections} connections) | page | req/s median (lowest–highest of {args.rounds}) "
          "| p50 ms | p99 ms | ÷ minimal view |")
    print("|---|---|---:|---:|---:|---:|")
    for serving in OPTIONS:
        floor_rps = None
        for settings_module in (None, "bench.every_cache_empty"):
            server = Server({**env, **({"DJANGO_SETTINGS_MODULE": settings_module} if settings_module else {})}, serving)
            try:
                for name, path, module in pages:
                    if module != settings_module:
                        continue
                    url = f"http://127.0.0.1:{server.port}{path}"
                    wrk(url, {}, duration=1, connections=4)
                    runs = [wrk(url, {}, duration=args.duration, connections=args.connections) for _ in range(args.rounds)]
                    rps = [run["rps"] for run in runs]
                    median = statistics.median(rps)
                    floor_rps = floor_rps or median
                    print(f"| {serving} | {name} | {median:,.0f} ({min(rps):,.0f}–{max(rps):,.0f}) "
                          f"| {statistics.median(r['p50'] for r in runs):.1f} "
                          f"| {statistics.median(r['p99'] for r in runs):.1f} | {median / floor_rps:.3f} |", flush=True)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
