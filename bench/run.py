"""make bench: serve synthetic stories with gunicorn and production settings, load them with wrk.

For each configuration (database × cache) and each story size N, this:
1. builds a fresh database with a synthetic story of N events (claims and updates in proportion)
   through the project's models (bench/prepare.py, in its own process);
2. serves it with gunicorn, DEBUG off and hashed static files, on 127.0.0.1;
3. runs wrk against every endpoint in one run, side by side, bounded in time;
4. serves the smallest and the largest N at once with every cache empty and loads their story
   pages in turns (flat in N, compared within one stretch of the machine's time);
5. loads the pages held to targets (README, Performance) at the smallest N in rounds, each round against the
   minimal view measured at its start and end (targets());
6. prints and writes bench/results.md: requests/s, p50/p99 latency, errors, SQL queries per
   request and throughput as a ratio to the minimal Django view.
It also times import_seeds on the seeds and an import of synthetic articles in batches.

    .venv/bin/python bench/run.py                        # the full run (all sizes, all configs)
    .venv/bin/python bench/run.py --quick                # one small size, short, SQLite + local memory
    .venv/bin/python bench/run.py --sizes 200 --configs sqlite-locmem --duration 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/15"
CONFIGS = ["sqlite-locmem", "sqlite-redis", "postgres-locmem", "postgres-redis"]
# How each server of a run serves, as settings over the configuration's: pages whole from the
# stamped cache (the 1-second page cache off), the 1-second page cache on, no whole-page cache
# ("rendered each time", from warm fragments), and every cache empty on every request.
MODES = {
    "stamped": {"NEWSROOM_PAGE_CACHE_SECONDS": "0"},
    "page cache": {"NEWSROOM_PAGE_CACHE_SECONDS": "1"},
    "each": {"NEWSROOM_PAGE_CACHE_SECONDS": "0", "NEWSROOM_STAMPED_PAGES": "0"},
    "empty": {"DJANGO_SETTINGS_MODULE": "bench.every_cache_empty"},
}
FLAT_HEADING = "## Flat in N, side by side"
TARGETS_HEADING = "## Targets, in rounds"


class Serving:
    """How gunicorn serves: worker class, workers, threads per worker, keep-alive seconds."""

    def __init__(self, worker_class: str = "sync", workers: int = 2, threads: int = 1, keep_alive: int = 2) -> None:
        self.worker_class, self.workers, self.threads, self.keep_alive = worker_class, workers, threads, keep_alive

    def options(self) -> list[str]:
        options = ["--workers", str(self.workers), "--worker-class", self.worker_class,
                   "--keep-alive", str(self.keep_alive)]
        if self.worker_class != "sync":
            options += ["--threads", str(self.threads)]
        return options

    def __str__(self) -> str:
        threaded = self.worker_class != "sync"
        threads = f" × {self.threads} threads" if threaded else ""
        keep_alive = f", keep-alive {self.keep_alive} s" if threaded else ""
        name = {"newsroom.serving.ThreadWorker": "threaded (newsroom.serving)"}.get(self.worker_class, self.worker_class)
        return f"{self.workers} {name} workers{threads}{keep_alive}"


# What the README recommends and the benchmark and load scripts serve with (see bench/serving.py):
# gunicorn's threaded worker with idle connections kept off its threads (newsroom/serving.py),
# no keep-alive so no worker is left holding clients while another idles.
SERVING = Serving("newsroom.serving.ThreadWorker", workers=2, threads=4, keep_alive=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_env(config: str, events: int) -> dict:
    database, cache = config.split("-")
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_STATIC_ROOT": str(OUT / "static"),
        "PYTHONPATH": str(ROOT),
    }
    if database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{OUT / f'bench-{events}.sqlite3'}"
    else:
        # One database per N, so that two sizes can be served at once (side_by_side).
        env["DATABASE_URL"] = f"{PG}/newsroom_bench_{events}"
    if cache == "redis":
        env["REDIS_URL"] = REDIS
    else:
        env.pop("REDIS_URL", None)
    return env


def fresh_database(env: dict) -> None:
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        name = url.rsplit("/", 1)[1]
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
    if "REDIS_URL" in env:
        subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=True, stdout=subprocess.DEVNULL)


def run_json(args: list[str], env: dict) -> dict:
    result = subprocess.run([PYTHON, str(ROOT / "bench" / "prepare.py"), *args], env=env, cwd=ROOT,
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"bench/prepare.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn with production settings on a free loopback port."""

    def __init__(self, env: dict, serving: "Serving") -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [GUNICORN, "newsroom.wsgi", "--bind", f"127.0.0.1:{self.port}", *serving.options(), "--log-level", "warning"],
            env=env, cwd=ROOT, start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not answer /healthz within 30 s")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def to_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, headers: dict, *, duration: int, connections: int) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": to_ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": to_ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def load_rows(rows: list[dict], env: dict, args, label: str) -> None:
    server = Server(env, args.serving)
    try:
        for row in rows:
            url = f"http://127.0.0.1:{server.port}{row['url']}"
            # One short unmeasured pass fills the fragment caches, as any reader would.
            wrk(url, row.get("headers", {}), duration=1, connections=4)
            row.update(wrk(url, row.get("headers", {}), duration=args.duration, connections=args.connections))
            print(f"  {label:22} {row['name']:40} {row['rps']:9.0f} req/s  "
                  f"p50 {row['p50']:7.1f} ms  p99 {row['p99']:7.1f} ms  errors {row['errors']}  "
                  f"queries {row['queries']}", flush=True)
    finally:
        server.stop()


def measure(config: str, events: int, args) -> dict:
    env = config_env(config, events)
    fresh_database(env)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    # Count queries with the time-based caches off, so each count is what the code asks for.
    prepared = run_json(["--events", str(events)],
                        {**env, "NEWSROOM_PAGE_CACHE_SECONDS": "0", "NEWSROOM_POLL_STATE_SECONDS": "0"})
    label = f"{config} N={events}"
    # Pages uncached (no page cache; fragment caches warm), then the story page behind the page cache.
    load_rows(prepared["endpoints"], {**env, **MODES["stamped"]}, args, label)
    story = next(r for r in prepared["endpoints"] if r["name"] == "story page")
    warm = {**story, "name": "story page, page cache warm (1 s)", "queries": "0"}
    floor_again = {**next(r for r in prepared["endpoints"] if r.get("floor")), "name": "minimal Django view (again)"}
    floor_again.pop("floor")
    extra = [warm, floor_again]
    load_rows(extra, {**env, **MODES["page cache"]}, args, label)
    # The same pages with no whole-page cache at all: each request renders from the fragments.
    fresh = prepared.pop("rendered_each_time")
    load_rows(fresh, {**env, **MODES["each"]}, args, label)
    # And with every cache empty on every request: what the first reader after an edit meets.
    empty = prepared.pop("every_cache_empty")
    load_rows(empty, {**env, **MODES["empty"]}, args, label)
    prepared["endpoints"] += extra + fresh + empty
    # The floor is measured first and again later in the run; their mean smooths the machine's drift.
    floor = (next(r for r in prepared["endpoints"] if r.get("floor"))["rps"] + floor_again["rps"]) / 2
    for row in prepared["endpoints"]:
        row["ratio"] = row["rps"] / floor if floor else 0.0
    return prepared


def side_by_side(config: str, stories: dict[int, str], args, rounds: int = 3) -> dict:
    """The story page of the smallest and the largest N, every cache empty, served at once by two
    servers and loaded in turns, the order swapped each round.

    The sizes' own runs are minutes apart, and on a shared machine one row swings by up to 1.5×
    between them (the floor measured early and late does not catch a slowdown in between): here
    both sizes meet the same stretch of the machine's time. `stories` maps N to its story page.
    """
    small, large = min(stories), max(stories)
    servers = {}
    try:
        for events in (small, large):
            env = {**config_env(config, events), **MODES["empty"]}
            servers[events] = Server(env, args.serving)
        urls = {events: f"http://127.0.0.1:{servers[events].port}{stories[events]}" for events in (small, large)}
        for url in urls.values():
            wrk(url, {}, duration=1, connections=4)
        measured = {small: [], large: []}
        for round_ in range(rounds):
            for events in ((small, large) if round_ % 2 == 0 else (large, small)):
                measured[events].append(wrk(urls[events], {}, duration=args.duration, connections=args.connections))
    finally:
        for server in servers.values():
            server.stop()
    ratios = [a["rps"] / b["rps"] for a, b in zip(measured[small], measured[large])]
    result = {"config": config, "small": small, "large": large, "ratios": ratios,
              "small_rps": [row["rps"] for row in measured[small]],
              "large_rps": [row["rps"] for row in measured[large]],
              "errors": sum(row["errors"] for rows in measured.values() for row in rows)}
    print(f"  {config} flat in N, side by side: N={small} {median(result['small_rps']):.0f} req/s, "
          f"N={large} {median(result['large_rps']):.0f} req/s, ratio {median(ratios):.2f} "
          f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})", flush=True)
    return result


# What the reader pages are held to (README, Performance), measured in rounds beside the minimal view
# (targets()):
# (row name, the MODES server that serves it, the least ratio to the minimal view or, for None,
# the p50 bound).
DETAIL_PAGES = ("update permalink", "actor page", "claim page", "event page", "source page")
P50_BOUND_MS = 15
TARGETS = [
    ("story page, page cache warm (1 s)", "page cache", 0.7),
    ("updates poll, current ETag (304)", "stamped", 0.9),
    ("story page, rendered each time", "each", 0.2),
    *((f"{name}, rendered each time", "each", None) for name in DETAIL_PAGES),
    ("story page, every cache empty", "empty", 0.08),
]


def target_text(least_ratio: float | None) -> str:
    return f"p50 ≤ {P50_BOUND_MS} ms" if least_ratio is None else f"≥ {least_ratio} of the minimal view"


def targets(config: str, events: int, endpoints: list[dict], args, rounds: int = 3) -> dict:
    """The pages held to targets (TARGETS), at one N, in rounds: each round loads the minimal view,
    every target page, then the minimal view again, and a page's ratio in the round is its
    requests/s over the mean of that round's two floors. The order is reversed every other round.

    The main table measures each row once, minutes from the floor's two measurements; on this
    shared machine a row swings by up to 1.5x between runs, enough to put a page either side of
    its target. Medians over rounds, each against its own floors, are what the targets are read
    against."""
    rows = {row["name"]: row for row in endpoints}
    env = config_env(config, events)
    floor_row = next(row for row in endpoints if row.get("floor"))
    servers = {}
    try:
        for mode, settings in MODES.items():
            servers[mode] = Server({**env, **settings}, args.serving)

        def load(mode: str, row: dict, duration: int) -> dict:
            url = f"http://127.0.0.1:{servers[mode].port}{row['url']}"
            return wrk(url, row.get("headers", {}), duration=duration, connections=args.connections)

        pages = [(name, mode, rows[name]) for name, mode, _ in TARGETS]
        for _, mode, row in pages:  # fill the fragment caches, as any first reader would
            load(mode, row, 1)
        measured = {name: [] for name, _, _ in pages}
        ratios = {name: [] for name, _, _ in pages}
        floors = []
        for round_ in range(rounds):
            order = pages if round_ % 2 == 0 else pages[::-1]
            first = load("stamped", floor_row, args.duration)
            this_round = {name: load(mode, row, args.duration) for name, mode, row in order}
            last = load("stamped", floor_row, args.duration)
            floor = (first["rps"] + last["rps"]) / 2
            floors.append(floor)
            for name, result in this_round.items():
                measured[name].append(result)
                ratios[name].append(result["rps"] / floor if floor else 0.0)
    finally:
        for server in servers.values():
            server.stop()
    result = {"config": config, "events": events, "floors": floors, "rows": []}
    for name, _, least_ratio in TARGETS:
        runs = measured[name]
        row = {"name": name, "target": target_text(least_ratio), "ratios": ratios[name],
               "rps": median(r["rps"] for r in runs), "p50": median(r["p50"] for r in runs),
               "p99": median(r["p99"] for r in runs), "errors": sum(r["errors"] for r in runs)}
        row["met"] = row["p50"] <= P50_BOUND_MS if least_ratio is None else median(row["ratios"]) >= least_ratio
        result["rows"].append(row)
        print(f"  {config} N={events} in rounds: {name:45} ratio {median(row['ratios']):.3f} "
              f"({', '.join(f'{r:.3f}' for r in row['ratios'])}) p50 {row['p50']:.1f} ms", flush=True)
    return result


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB RAM, {platform.platform()}, Python {platform.python_version()}"


def report(results: list[dict], flat: list[dict], held: list[dict], imports: dict | None, args,
           command: str) -> str:
    lines = [
        "# Benchmark results", "",
        f"Machine: {machine()}.  ",
        f"Command: `{command}`  ",
        f"wrk: {args.connections} connections, 1 thread, {args.duration} s per endpoint; "
        f"gunicorn: {args.serving}, DEBUG off, hashed static files.", "",
        "Ratio = the endpoint's requests/s ÷ the minimal Django view's in the same run (the mean of "
        "its two measurements, one early and one late). "
        "The first rows are served with the 1-second page cache off: a page comes whole from the "
        "cache keyed on the site's content stamp once rendered (one query checks the stamp). Then a "
        "second server with the 1-second page cache on, a third with no whole-page cache at all "
        "(\"rendered each time\": every request renders the page from its fragment caches, warm as "
        "after any first reader), and a fourth with every cache empty on every request (\"every cache "
        "empty\": `bench/every_cache_empty.py`, each request renders everything from the database).", "",
    ]
    for result in results:
        lines += [f"## {result['config']}, N = {result['events']:,} events (claims and updates in proportion)", "",
                  "| endpoint | req/s | p50 ms | p99 ms | errors | SQL queries cold/warm | ratio to minimal view |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for row in result["endpoints"]:
            lines.append(f"| {row['name']} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | "
                         f"{row['errors']} | {row['queries']} | {row['ratio']:.1%} |")
        lines += ["", f"Story page rendered with every cache empty (in process, median of 15): "
                      f"{result['cold_story_ms']:.1f} ms; with its fragments warm and no whole-page cache: "
                      f"{result['warm_story_ms']:.1f} ms.", ""]
    if flat:
        lines += [FLAT_HEADING, "",
                  "The story page with every cache empty at the smallest and the largest N, served at "
                  f"once and loaded in turns ({args.duration} s each, the order swapped each round); "
                  "ratio = the smaller story's requests/s ÷ the larger's, per round and their median.", "",
                  "| database, cache | N | req/s | N | req/s | ratio | rounds | errors |",
                  "|---|---:|---:|---:|---:|---:|---|---:|"]
        for row in flat:
            lines.append(f"| {row['config']} | {row['small']:,} | {median(row['small_rps']):.0f} "
                         f"| {row['large']:,} | {median(row['large_rps']):.0f} | {median(row['ratios']):.2f} "
                         f"| {', '.join(f'{r:.2f}' for r in row['ratios'])} | {row['errors']} |")
        lines.append("")
    if held:
        lines += [TARGETS_HEADING, "",
                  "The pages held to targets (README, Performance), at the smallest N, served as in the tables above "
                  f"(one server per mode) and loaded in {plural(len(held[0]['floors']), 'round')} of {args.duration} s "
                  "each: every round loads the minimal view, each page, and the minimal view again; a "
                  "page's ratio in a round is its requests/s over the mean of that round's two floors. "
                  "Medians over the rounds.", "",
                  "| database, cache | N | page | target | req/s | p50 ms | p99 ms | ratio (median) "
                  "| ratio per round | errors | met |",
                  "|---|---:|---|---|---:|---:|---:|---:|---|---:|---|"]
        for result in held:
            for row in result["rows"]:
                lines.append(
                    f"| {result['config']} | {result['events']:,} | {row['name']} | {row['target']} "
                    f"| {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | {median(row['ratios']):.3f} "
                    f"| {', '.join(f'{r:.3f}' for r in row['ratios'])} | {row['errors']} "
                    f"| {'yes' if row['met'] else '**no**'} |")
        lines.append("")
    if imports:
        rates = ", ".join(f"{r:.0f}" for r in imports["batch_rates"])
        lines += ["## Import", "",
                  f"- `import_seeds` on the two seeds (fresh database, in process): {imports['seeds_seconds']:.2f} s",
                  f"- {imports['articles']:,} synthetic articles in 4 equal batches into one growing database: "
                  f"{rates} articles/s per batch (steady = no quadratic step)", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=SERVING.workers)
    parser.add_argument("--worker-class", default=SERVING.worker_class, help="sync, gthread or a worker class path")
    parser.add_argument("--threads", type=int, default=SERVING.threads, help="threads per gthread worker")
    parser.add_argument("--keep-alive", type=int, default=SERVING.keep_alive, help="gthread keep-alive seconds (0: none)")
    parser.add_argument("--import-articles", type=int, default=1000)
    parser.add_argument("--target-rounds", type=int, default=3,
                        help="rounds of the targeted pages beside the minimal view, at the smallest N (0: none)")
    parser.add_argument("--quick", action="store_true", help="N=100, 3 s, SQLite + local memory only")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.configs, args.duration, args.import_articles = "100", "sqlite-locmem", 3, 100
        args.target_rounds = min(args.target_rounds, 1)
    args.serving = Serving(args.worker_class, args.workers, args.threads, args.keep_alive)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    command = " ".join(["make bench", *(["BENCH_ARGS='" + " ".join(sys.argv[1:]) + "'"] if sys.argv[1:] else [])])
    results, flat, held = [], [], []
    sizes = list(map(int, args.sizes.split(",")))
    for config in args.configs.split(","):
        for events in sizes:
            results.append({"config": config, "events": events, **measure(config, events, args)})
        if args.target_rounds:
            smallest = next(r for r in results if r["config"] == config and r["events"] == min(sizes))
            held.append(targets(config, min(sizes), smallest["endpoints"], args, rounds=args.target_rounds))
        if len(set(sizes)) > 1:
            stories = {
                result["events"]: next(row["url"] for row in result["endpoints"] if row["name"] == "story page")
                for result in results if result["config"] == config
            }
            flat.append(side_by_side(config, stories, args))
    imports = None
    if args.import_articles:
        env = config_env(args.configs.split(",")[0], 0)
        fresh_database(env)
        imports = run_json(["--import-articles", str(args.import_articles)], env)
    text = report(results, flat, held, imports, args, command)
    args.output.write_text(text + "\n", encoding="utf-8")
    print("\n" + text)


if __name__ == "__main__":
    main()
