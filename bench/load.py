"""Load and faults: readers polling and editors saving at once, then workers killed mid-save.

For each database (SQLite in WAL mode, PostgreSQL) this:
1. builds a fresh database (migrate, import_seeds, editor accounts in the Editor group, one
   published update for the editors to fight over) and serves it with gunicorn, production
   settings, 2+ workers, on 127.0.0.1, served as the README recommends (bench/run.py's SERVING;
   --worker-class, --workers, --threads and --keep-alive to try others);
2. load phase: `--readers` readers (wrk, one thread and one connection each) poll the story's live
   updates with the sequence cursor and If-None-Match, as static/js/live.js does, while `--editors`
   editors sign in at /admin/login/ and save through the real admin forms every fraction of a
   second: half of them edit the same published update (so optimistic-locking conflicts really
   happen), the rest post new updates;
3. fault phase: the editors and `--fault-readers` readers, while the gunicorn worker caught inside
   a write transaction is SIGKILLed every `--kill-every` seconds; midway the whole server is killed
   mid-save and started again;
4. checks with SQL that nothing was half written (sequences, history, corrections, citations,
   claims) and that every save that got the success redirect is in the database, every refused
   save left no trace and no two saves were based on the same version (no lost update), and that a
   reader polling from the start sees every acknowledged update;
5. greps the server log for "database is locked" and tracebacks, prints a summary and writes it as
   JSON (bench/out/load.json by default).

The pass criteria: no 5xx, no "database is locked", no client error in the load phase, every
acknowledged save present, every conflict refused with the conflict message, no lost update, no
broken invariant. Exit status 1 if any fails.

    .venv/bin/python bench/load.py                                   # 60 s + 30 s of faults, both databases
    .venv/bin/python bench/load.py --database sqlite --seconds 10 --readers 30 --editors 3 --fault-seconds 6
    LOAD_LOG_LEVEL=INFO .venv/bin/python bench/load.py ...    # the server logs every request's duration
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    GUNICORN, OUT, PG, PYTHON, SERVING, Serving, config_env, free_port, fresh_database, machine,
)

HOST = "127.0.0.1"
CONFLICT_MARK = "Your changes were not saved"
SERVER_LOG_PATTERNS = {
    "database_is_locked": re.compile(r"database is locked", re.IGNORECASE),
    "tracebacks": re.compile(r"Traceback \(most recent call last\)"),
    "error_records": re.compile(r'"level": "(?:ERROR|CRITICAL)"'),
    "worker_timeouts": re.compile(r"WORKER TIMEOUT"),
    "workers_killed": re.compile(r"was sent SIGKILL"),
}


# --- The server ---------------------------------------------------------------------------------


def server_env(database: str, name: str) -> dict:
    """Production settings (DEBUG off, a secret key, 127.0.0.1 only, no SSL redirect) on the load database."""
    env = config_env(f"{database}-locmem", 0)
    env.update({
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECRET_KEY": "load-" + secrets.token_urlsafe(40),
        "DJANGO_STATIC_ROOT": str(OUT / "load-static"),
        "DJANGO_MEDIA_ROOT": str(OUT / "load-media"),
        "DJANGO_LOG_LEVEL": os.environ.get("LOAD_LOG_LEVEL", "WARNING"),
        "DATABASE_URL": (f"sqlite:///{OUT / f'{name}.sqlite3'}" if database == "sqlite" else f"{PG}/newsroom_{name}"),
    })
    return env


class Server:
    """gunicorn in its own process group on a fixed loopback port, its output appended to `log`."""

    def __init__(self, env: dict, *, port: int, serving: Serving, log: Path) -> None:
        self.env, self.port, self.serving, self.log = env, port, serving, log
        self.workers = serving.workers
        self.process: subprocess.Popen | None = None
        self.pids: set[int] = set()  # every process this server ever was, to prove none is left

    def start(self, timeout: float = 30) -> float:
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [GUNICORN, "newsroom.wsgi", "--bind", f"{HOST}:{self.port}", *self.serving.options(),
                 "--graceful-timeout", "5", "--log-level", "warning"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.pids.add(self.process.pid)
        answer = "no answer"
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/readyz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return time.monotonic() - started
            except urllib.error.HTTPError as error:
                answer = f"{error.code} {error.read()[:200].decode('utf-8', 'replace')}"
            except OSError:
                pass
            time.sleep(0.1)
        self.crash()
        raise RuntimeError(f"gunicorn was not ready within {timeout} s (/readyz: {answer}); see {self.log}")

    def worker_pids(self) -> set[int]:
        if self.process is None or self.process.poll() is not None:
            return set()
        children = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                children.add(int(entry.name))
        self.pids |= children
        return children

    def kill_worker(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def wait_for_workers(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.worker_pids()) < self.workers:
            time.sleep(0.05)

    def crash(self) -> None:
        """SIGKILL master and workers at once: a power cut, as far as the database can tell."""
        if self.process is None:
            return
        self.worker_pids()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self._wait_gone()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._wait_gone()
            return
        self.worker_pids()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self._wait_gone()

    def _wait_gone(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive_pids():
            time.sleep(0.05)
        for pid in self.alive_pids():  # a worker that outlived its master: still ours, by id
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def alive_pids(self) -> list[int]:
        return running(self.pids)


def running(pids) -> list[int]:
    """Those of `pids` that are still running (not gone, not zombies)."""
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


class WriterProbe:
    """Which gunicorn worker holds an open write transaction right now, if any.

    SQLite in WAL mode: the holder of the write lock (byte 120 of the -shm file, in /proc/locks).
    PostgreSQL: a backend with a transaction id (it has written or locked a row), mapped through
    its client port to the worker process that owns that socket.
    """

    def __init__(self, database_url: str) -> None:
        self.sqlite_path = database_url.removeprefix("sqlite:///") if database_url.startswith("sqlite") else None
        self.pg = None
        if self.sqlite_path is None:
            import psycopg

            self.pg = psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True)

    def close(self) -> None:
        if self.pg is not None:
            self.pg.close()

    def writer(self, workers: set[int]) -> int | None:
        if self.sqlite_path is not None:
            try:
                inode = os.stat(f"{self.sqlite_path}-shm").st_ino
            except FileNotFoundError:
                return None
            for line in Path("/proc/locks").read_text().splitlines():
                parts = line.split()
                # "1: POSIX  ADVISORY  WRITE 1234 fe:00:2148685 120 120"
                if len(parts) >= 8 and parts[3] == "WRITE" and parts[5].endswith(f":{inode}") and parts[6] == "120":
                    pid = int(parts[4])
                    return pid if pid in workers else None
            return None
        ports = [row[0] for row in self.pg.execute(
            "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND client_port IS NOT NULL"
        )]
        for port in ports:
            pid = _socket_owner(port, workers)
            if pid is not None:
                return pid
        return None


def _socket_owner(local_port: int, pids: set[int]) -> int | None:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].rsplit(":", 1)[1], 16) == local_port and int(parts[2].rsplit(":", 1)[1], 16) == 5432:
                inodes.add(f"socket:[{parts[9]}]")
    for pid in pids:
        try:
            for fd in os.scandir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(fd.path) in inodes:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


# --- Readers: the live poll, as static/js/live.js does it, driven by wrk ------------------------

# One wrk thread per reader, one connection each, so every reader keeps its own cursor and ETag.
POLL_SCRIPT = r"""
local poll_path, every_ms = "__PATH__", __EVERY_MS__
local threads = {}
cursor, etag, more, highest, moved_back = 0, nil, false, 0, 0
recent_afters = {}
statuses, anomalies = {}, {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  math.randomseed(number * 7919 + os.time())
end

function delay()
  if more then return 0 end
  return math.random(math.floor(every_ms / 2), math.floor(every_ms * 3 / 2))
end

function request()
  local headers = {Accept = "application/json"}
  if etag then headers["If-None-Match"] = etag end
  -- After a reconnect wrk can have two requests in flight on one connection, so a response is
  -- checked against the oldest of the last three cursors sent rather than the latest.
  table.insert(recent_afters, cursor)
  if #recent_afters > 3 then table.remove(recent_afters, 1) end
  return wrk.format("GET", poll_path .. "?after=" .. cursor, headers)
end

local function note(problem)
  anomalies[problem] = (anomalies[problem] or 0) + 1
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  more = false
  if status == 200 then
    local sequence = tonumber(string.match(body, '^{"sequence": (%d+)'))
    if sequence == nil then
      note("a 200 poll without a sequence")
      return
    end
    local floor = math.min(unpack(recent_afters))
    local first = true
    for each in string.gmatch(body, '"sequence": (%d+)') do
      -- the first match is the response's own cursor; the rest are the updates it carries
      if not first and (tonumber(each) <= floor or tonumber(each) > sequence) then
        note("an update outside the poll's window (after, sequence]")
      end
      first = false
    end
    -- A worker whose one-second poll state is older than the one this reader last saw sends it back
    -- a little; the page then fetches those updates again and replaces them in place. Counted, not wrong.
    if sequence < cursor then moved_back = moved_back + 1 end
    cursor, etag = sequence, headers["ETag"] or headers["Etag"] or headers["etag"]
    more = string.find(body, '"more": true', 1, true) ~= nil
    if sequence > highest then highest = sequence end
  elseif status == 304 and etag == nil then
    note("a 304 to a poll without If-None-Match")
  end
end

local function encode(value)
  if type(value) ~= "table" then return tostring(value) end
  local parts = {}
  for key, item in pairs(value) do
    table.insert(parts, string.format("%q:%s", tostring(key), encode(item)))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local total = {statuses = {}, anomalies = {}, highest = 0, moved_back = 0,
                 requests = summary.requests, errors = summary.errors,
                 p50_ms = latency:percentile(50) / 1000, p99_ms = latency:percentile(99) / 1000}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      total.statuses[code] = (total.statuses[code] or 0) + n
    end
    for problem, n in pairs(thread:get("anomalies")) do
      total.anomalies[problem] = (total.anomalies[problem] or 0) + n
    end
    total.highest = math.max(total.highest, thread:get("highest"))
    total.moved_back = total.moved_back + thread:get("moved_back")
  end
  io.write("READERS " .. encode(total) .. "\n")
end
"""


class Readers:
    """`count` wrk readers; stopped while the server is down (real pages back off) and started again after."""

    def __init__(self, count: int, port: int, poll_path: str, every: float, script: Path) -> None:
        self.count, self.port = count, port
        script.write_text(POLL_SCRIPT.replace("__PATH__", poll_path).replace("__EVERY_MS__", str(int(every * 1000))))
        self.script = script
        self.process: subprocess.Popen | None = None
        self.segments: list[dict] = []
        self.pids: list[int] = []

    def start(self, seconds: float) -> None:
        self.process = subprocess.Popen(
            ["wrk", f"-t{self.count}", f"-c{self.count}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
             "-s", str(self.script), f"http://{HOST}:{self.port}/"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        self.pids.append(self.process.pid)

    def stop(self) -> None:
        """Stop now; wrk reports what it did so far."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        self.finish(timeout=30)

    def finish(self, timeout: float) -> None:
        if self.process is None:
            return
        process, self.process = self.process, None
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            self.segments.append({"error": "wrk did not finish in time", "output": output[-2000:]})
            return
        line = next((l for l in output.splitlines() if l.startswith("READERS ")), None)
        if line is None:
            self.segments.append({"error": f"wrk exited {process.returncode} without a summary",
                                  "output": output[-2000:]})
        else:
            self.segments.append(json.loads(line.removeprefix("READERS ")))

    def totals(self) -> dict:
        statuses, errors, anomalies = Counter(), Counter(), Counter()
        for segment in self.segments:
            statuses.update({int(code): n for code, n in segment.get("statuses", {}).items()})
            errors.update({k: v for k, v in segment.get("errors", {}).items() if k != "status" and v})
            anomalies.update(segment.get("anomalies", {}))
        measured = [s for s in self.segments if "error" not in s]
        longest = max(measured, key=lambda s: s["requests"], default={"p50_ms": 0, "p99_ms": 0})
        return {
            "statuses": statuses, "errors": dict(errors), "anomalies": dict(anomalies),
            "highest": max((s["highest"] for s in measured), default=0),
            "moved_back": sum(s["moved_back"] for s in measured),
            "p50_ms": longest["p50_ms"], "p99_ms": longest["p99_ms"],
            "failed_runs": [f"{s['error']}: {s['output']}" for s in self.segments if "error" in s],
        }


# --- Editors: the admin desk through its real forms ----------------------------------------------


class FormReader(HTMLParser):
    """The controls a browser would submit from one <form id=...>, and the error messages on the page."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields: list[list[str]] = []
        self.errors: list[str] = []
        self.found = False
        self._inside = False
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: list | None = None
        self._error_depth = 0
        self._error_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in ("ul", "p") and ("errorlist" in classes or "errornote" in classes) or self._error_depth:
            if self._error_depth == 0:
                self._error_text = []
            self._error_depth += 1
        if tag == "form":
            self._inside = a.get("id") == self.form_id
            self.found = self.found or self._inside
            return
        if not self._inside or "disabled" in a:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file") or not a.get("name"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append([a["name"], a.get("value") or "on"])
                return
            self.fields.append([a["name"], a.get("value") or ""])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], []]
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": []}
            self._select["options"].append(self._option)

    def handle_endtag(self, tag):
        if self._error_depth:
            self._error_depth -= 1
            if self._error_depth == 0:
                text = " ".join("".join(self._error_text).split())
                if text:
                    self.errors.append(text)
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._textarea[1])
            self.fields.append([self._textarea[0], text[1:] if text.startswith("\n") else text])
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [o for o in options if o["selected"]] or ([] if self._select["multiple"] else options[:1])
            for option in chosen:
                value = option["value"] if option["value"] is not None else "".join(option["text"]).strip()
                self.fields.append([self._select["name"], value])
            self._select = None

    def handle_data(self, data):
        if self._error_depth:
            self._error_text.append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option["text"].append(data)

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def submission(self, changes: dict[str, str], button: str) -> list[tuple[str, str]]:
        pairs = [(n, changes.get(n, v)) for n, v in self.fields]
        pairs += [(n, v) for n, v in changes.items() if n not in {p[0] for p in pairs}]
        return pairs + [(button, "1")]


def read_form(html: str, form_id: str) -> FormReader:
    reader = FormReader(form_id)
    # Parse only the form (admin pages are long, and the editors share one CPU with the server).
    marker = html.find(f'id="{form_id}"')
    if marker != -1:
        start = html.rfind("<form", 0, marker)
        end = html.find("</form>", marker)
        if start != -1 and end != -1:
            html = html[start:end + len("</form>")]
    reader.feed(html)
    reader.close()
    return reader


class ServerUnavailable(Exception):
    pass


@dataclass
class Shared:
    """What editors, readers and the killer share during a phase."""

    port: int
    urls: dict
    phase: str
    until: float
    seconds: float
    ledger: list = field(default_factory=list)
    saves_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    editor_requests: int = 0
    editor_statuses: Counter = field(default_factory=Counter)
    editor_connection_errors: Counter = field(default_factory=Counter)
    save_latencies_ms: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    conflict_example: str = ""


class Editor(threading.Thread):
    """An editor at the desk: signs in, then adds updates or edits the contested one until time is up."""

    def __init__(self, number: int, role: str, account: dict, shared: Shared, tag: str) -> None:
        super().__init__(name=f"editor-{number}", daemon=True)
        self.number, self.role, self.account, self.shared, self.tag = number, role, account, shared, tag
        self.cookies: dict[str, str] = {}
        self.saves = 0
        self.rng = random.Random(f"{tag}-{number}")

    # HTTP, one connection per request: a cut connection then always means the server failed.
    def request(self, method: str, path: str, fields: list | None = None) -> tuple[int, dict, str]:
        headers = {"Host": f"{HOST}:{self.shared.port}", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(HOST, self.shared.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            with self.shared.lock:
                self.shared.editor_connection_errors[type(error).__name__] += 1
            raise ServerUnavailable(type(error).__name__) from error
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        with self.shared.lock:
            self.shared.editor_requests += 1
            self.shared.editor_statuses[response.status] += 1
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def problem(self, message: str) -> None:
        with self.shared.lock:
            self.shared.problems.append(f"{self.name} ({self.shared.phase}): {message}")

    def log_in(self) -> None:
        login = self.shared.urls["login"]
        status, _, html = self.request("GET", f"{login}?next=/admin/")
        form = read_form(html, "login-form")
        if status != 200 or not form.found:
            raise RuntimeError(f"login page answered {status}")
        fields = form.submission({"username": self.account["username"], "password": self.account["password"]}, "_login")
        status, headers, html = self.request("POST", f"{login}?next=/admin/", fields)
        if status != 302 or "/login/" in headers.get("location", ""):
            raise RuntimeError(f"login refused ({status}): {read_form(html, 'login-form').errors}")

    def run(self) -> None:
        while time.monotonic() < self.shared.until:
            try:
                if "sessionid" not in self.cookies:
                    self.log_in()
                self.save_once()
            except ServerUnavailable:
                time.sleep(self.rng.uniform(0.1, 0.3))  # a killed worker or a restarting server
            except Exception as error:  # noqa: BLE001 - any other surprise is a finding, not a crash
                self.problem(f"{type(error).__name__}: {error}")
                time.sleep(0.5)
            time.sleep(self.rng.uniform(0.05, 0.25))

    def save_once(self) -> None:
        url = self.shared.urls["update_add"] if self.role == "add" else self.shared.urls["contested_change"]
        status, headers, html = self.request("GET", url)
        if status == 302 and "/login/" in headers.get("location", ""):
            self.cookies.pop("sessionid", None)
            return
        form = read_form(html, "update_form")
        if status != 200 or not form.found:
            self.problem(f"GET {url} answered {status} without the update form")
            return
        time.sleep(self.rng.uniform(0.05, 0.3))  # the editor types
        self.saves += 1
        token = f"{self.tag}-e{self.number}-{self.saves:05d}"
        record = {"token": token, "kind": self.role, "editor": self.number, "phase": self.shared.phase,
                  "headline": f"Desk save {token}: negotiators report progress on export licences",
                  "body": f"Save {token}. Officials said talks on rare earths and chip controls went on late.",
                  "correction_note": "", "minor_fix": False, "seen_version": None}
        changes = {"headline": record["headline"], "body": record["body"]}
        if self.role == "add":
            button = "_save"
            changes["publication"] = "now"
        else:
            record["seen_version"] = int(form.value("seen_version"))
            button = "_save"
            if self.saves % 2:
                record["minor_fix"] = True
                changes["minor_fix"] = "on"
            else:
                record["correction_note"] = f"Correction: an earlier version had other words (save {token})."
                changes["correction_note"] = record["correction_note"]
        with self.shared.lock:
            self.shared.saves_in_flight += 1
        started = time.perf_counter()
        try:
            status, headers, html = self.request("POST", url, form.submission(changes, button))
        except ServerUnavailable as cut:
            record.update(outcome="interrupted", status=None, detail=str(cut))
            return
        finally:
            with self.shared.lock:
                self.shared.saves_in_flight -= 1
                self.shared.ledger.append(record)
        record["status"] = status
        record["ms"] = round((time.perf_counter() - started) * 1000, 1)
        location = headers.get("location", "")
        if status == 302 and "/login/" not in location:
            record["outcome"] = "acknowledged"
            with self.shared.lock:
                self.shared.save_latencies_ms.append(record["ms"])
        elif status == 200 and CONFLICT_MARK in html:
            record["outcome"] = "conflict"
            message = next((e for e in read_form(html, "update_form").errors if CONFLICT_MARK in e), "")
            record["detail"] = message
            with self.shared.lock:
                self.shared.conflict_example = self.shared.conflict_example or message
        elif status >= 500:
            record["outcome"] = "server_error"
        else:
            record["outcome"] = "form_error" if status == 200 else "http_error"
            record["detail"] = " | ".join(read_form(html, "update_form").errors)[:500] or location


# --- Faults ---------------------------------------------------------------------------------------


class Killer(threading.Thread):
    """SIGKILL the worker holding a write transaction while a save is in flight, every `every` seconds;
    at `crash_at`, kill the whole server the same way and start it again."""

    def __init__(self, server: Server, probe: WriterProbe, shared: Shared, readers: Readers, every: float,
                 crash_at: float) -> None:
        super().__init__(name="killer", daemon=True)
        self.server, self.probe, self.shared, self.readers = server, probe, shared, readers
        self.every, self.crash_at = every, crash_at
        self.kills: list[dict] = []
        self.restarts: list[dict] = []
        self.missed = 0
        self.errors: list[str] = []

    def catch_writer(self, window: float) -> int | None:
        """Wait for a save in flight, then for a worker inside a write transaction; return its pid."""
        deadline = time.monotonic() + window
        workers, listed_at = set(), 0.0
        while time.monotonic() < deadline:
            if self.shared.saves_in_flight:
                if time.monotonic() - listed_at > 0.2:
                    workers, listed_at = self.server.worker_pids(), time.monotonic()
                pid = self.probe.writer(workers)
                if pid is not None:
                    return pid
            time.sleep(0.001)
        return None

    def run(self) -> None:
        try:
            self._run()
        except Exception as error:  # noqa: BLE001 - reported as a failure of the run
            self.errors.append(f"{type(error).__name__}: {error}")

    def _run(self) -> None:
        rng = random.Random(1)
        crash_pending = True
        next_kill = time.monotonic() + self.every * rng.uniform(0.2, 0.6)
        while time.monotonic() < self.shared.until - 0.5:
            now = time.monotonic()
            crash_now = crash_pending and now >= self.crash_at
            if not crash_now and now < next_kill:
                time.sleep(min(0.02, next_kill - now))
                continue
            pid = self.catch_writer(window=3.0)
            if pid is None:
                self.missed += 1
                continue
            kill = {"at_s": round(time.monotonic() - (self.shared.until - self.shared.seconds), 2), "pid": pid,
                    "saves_in_flight": self.shared.saves_in_flight}
            if crash_now:
                # Readers leave first: while the server is down wrk would reconnect in a tight loop, which
                # no browser does (live.js backs off) and which would starve the restart of CPU.
                self.readers.stop()
                pid = self.catch_writer(window=3.0)
                if pid is None:
                    self.missed += 1
                    self.readers.start(max(1, self.shared.until - time.monotonic()))
                    continue
                kill.update(pid=pid, saves_in_flight=self.shared.saves_in_flight)
                self.server.crash()
                self.kills.append({**kill, "what": "server (master and workers)"})
                crash_pending = False
                seconds = self.server.start()
                self.restarts.append({"seconds_to_ready": round(seconds, 2)})
                if (left := self.shared.until - time.monotonic()) >= 1:
                    self.readers.start(left)
            else:
                self.server.kill_worker(pid)
                self.kills.append({**kill, "what": "worker"})
                self.server.wait_for_workers()
            next_kill = time.monotonic() + self.every * rng.uniform(0.6, 1.4)


# --- Setup and verification (run inside Django, in a subprocess with the server's environment) ---


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def setup_step(editors: int) -> dict:
    """Migrate, import the seeds, collect static files; editor accounts and one published update to fight over."""
    django_setup()
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from stories import publishing
    from stories.models import PublicationStatus, Story, Update

    call_command("migrate", interactive=False, verbosity=0)
    call_command("import_seeds", stdout=io.StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)
    group = Group.objects.get(name="Editor")
    accounts = []
    for number in range(1, editors + 1):
        password = secrets.token_urlsafe(18)
        user, _ = get_user_model().objects.update_or_create(
            username=f"load-editor-{number}",
            defaults={"is_staff": True, "first_name": "Load", "last_name": f"Editor {number}"},
        )
        user.set_password(password)
        user.save()
        user.groups.add(group)
        accounts.append({"username": user.username, "password": password, "pk": user.pk})
    story = Story.objects.published().filter(is_live=True).order_by("pk").first()
    author = get_user_model().objects.get(pk=accounts[0]["pk"])
    contested = publishing.save_from_desk(
        obj=Update(story=story, author=author, status=PublicationStatus.PUBLISHED,
                   headline="Talks resume at Lancaster House for a second day",
                   body="Negotiators returned to Lancaster House on Tuesday morning."),
        user=author, before=None,
    )
    return {
        "accounts": accounts,
        "story": {"pk": story.pk, "slug": story.slug},
        "contested": contested.pk,
        "urls": {
            "login": reverse("admin:login"),
            "update_add": reverse("admin:stories_update_add") + f"?story={story.pk}",
            "contested_change": reverse("admin:stories_update_change", args=[contested.pk]),
            "poll": reverse("stories:update-poll", kwargs={"slug": story.slug}),
        },
    }


INVARIANTS = {
    # Poll cursor: every change is numbered from the story's counter, in the same transaction.
    "update sequence ahead of its story's": """
        SELECT COUNT(*) FROM stories_update u JOIN stories_story s ON s.id = u.story_id
        WHERE u.sequence > s.update_sequence""",
    "two updates of a story share a sequence number": """
        SELECT COUNT(*) FROM (SELECT story_id, sequence FROM stories_update WHERE sequence > 0
                              GROUP BY story_id, sequence HAVING COUNT(*) > 1) AS d""",
    "story counter not carried by any update (bumped without its update)": """
        SELECT COUNT(*) FROM stories_story s WHERE s.update_sequence <> COALESCE(
            (SELECT MAX(x.sequence) FROM (
                SELECT story_id, sequence FROM stories_update
                UNION ALL SELECT story_id, sequence FROM stories_historicalupdate WHERE history_type = '-'
            ) AS x WHERE x.story_id = s.id), 0)""",
    "published update readers were never told about (sequence 0)": """
        SELECT COUNT(*) FROM stories_update WHERE status = 'published' AND sequence = 0""",
    # Revisions: the row and its latest history record are written together.
    "update differs from its latest revision": """
        SELECT COUNT(*) FROM stories_update u WHERE NOT EXISTS (
            SELECT 1 FROM stories_historicalupdate h WHERE h.id = u.id AND h.version = u.version
            AND h.headline = u.headline AND h.body = u.body AND h.status = u.status)
        OR u.version <> (SELECT MAX(h.version) FROM stories_historicalupdate h WHERE h.id = u.id)""",
    "correction note without its corrected revision (or the reverse)": """
        SELECT COUNT(*) FROM stories_update u
        WHERE (SELECT COUNT(*) FROM stories_correction c WHERE c.update_id = u.id)
           <> (SELECT COUNT(*) FROM stories_historicalupdate h
               WHERE h.id = u.id AND h.history_change_reason = 'Correction')""",
    # Sources: a citation quotes its source exactly.
    "citation excerpt not at its offsets in the source": """
        SELECT COUNT(*) FROM stories_citation c JOIN stories_source s ON s.id = c.source_id
        WHERE NOT c.is_stale AND (c."end" <> c.start + LENGTH(c.excerpt)
                                  OR SUBSTR(s.text, c.start + 1, c."end" - c.start) <> c.excerpt)""",
    "claim without its required fields": """
        SELECT COUNT(*) FROM stories_claim WHERE text = '' OR kind = ''
        OR (kind = 'statistic' AND stat_value IS NULL)
        OR (status = 'published' AND (story_id IS NULL OR review_state <> 'accepted' OR published_at IS NULL))""",
}
for _model in ("story", "actor", "source", "event", "claim", "update"):
    INVARIANTS[f"{_model} without a history record"] = f"""
        SELECT COUNT(*) FROM stories_{_model} o
        WHERE NOT EXISTS (SELECT 1 FROM stories_historical{_model} h WHERE h.id = o.id)"""
    INVARIANTS[f"{_model} history record without its {_model} or a deletion record"] = f"""
        SELECT COUNT(DISTINCT h.id) FROM stories_historical{_model} h
        WHERE NOT EXISTS (SELECT 1 FROM stories_{_model} o WHERE o.id = h.id)
        AND NOT EXISTS (SELECT 1 FROM stories_historical{_model} d WHERE d.id = h.id AND d.history_type = '-')"""


def verify_step(ledger_path: Path, contested: int) -> dict:
    """Check the invariants and every save in the ledger against the database, with SQL."""
    django_setup()
    from django.db import connection

    def scalar(sql: str, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def rows(sql: str, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    result: dict = {"vendor": connection.vendor}
    if connection.vendor == "sqlite":
        result["journal_mode"] = scalar("PRAGMA journal_mode")
        result["integrity_check"] = scalar("PRAGMA integrity_check")
        result["foreign_key_violations"] = len(rows("PRAGMA foreign_key_check"))
    result["invariants"] = {name: scalar(sql) for name, sql in INVARIANTS.items()}

    ledger = json.loads(ledger_path.read_text())
    missing, leaked, incoherent = [], [], []
    committed_unknown = rolled_back_unknown = 0
    add_ids = {}

    def traces(record: dict) -> dict:
        live = rows("SELECT id, body, status, sequence FROM stories_update WHERE headline = %s", [record["headline"]])
        history = rows("SELECT id, version, body, history_type, history_change_reason FROM stories_historicalupdate "
                       "WHERE headline = %s", [record["headline"]])
        notes = scalar("SELECT COUNT(*) FROM stories_correction WHERE note = %s", [record["correction_note"]]) \
            if record["correction_note"] else 0
        return {"live": live, "history": history, "notes": notes}

    def coherent(record: dict, found: dict) -> bool:
        """The save is there whole: its row (or revision), its history, its note, its sequence."""
        if record["kind"] == "add":
            return (len(found["live"]) == 1 and found["live"][0][1] == record["body"]
                    and found["live"][0][2] == "published" and found["live"][0][3] > 0
                    and [h[3] for h in found["history"]] == ["+"])
        reason = "Minor fix" if record["minor_fix"] else "Correction"
        return (len(found["history"]) == 1 and found["history"][0][0] == contested
                and found["history"][0][1] == record["seen_version"] + 1 and found["history"][0][2] == record["body"]
                and found["history"][0][4] == reason and found["notes"] == (0 if record["minor_fix"] else 1))

    def absent(found: dict) -> bool:
        return not found["live"] and not found["history"] and not found["notes"]

    for record in ledger:
        found = traces(record)
        if record["outcome"] == "acknowledged":
            if not coherent(record, found):
                missing.append(record["token"])
            elif record["kind"] == "add":
                add_ids[record["token"]] = found["live"][0][0]
        elif record["outcome"] in ("conflict", "form_error", "http_error"):
            if not absent(found):
                leaked.append(record["token"])
        else:  # interrupted or 5xx: the outcome is unknown to the editor, but it must be all or nothing
            if coherent(record, found):
                committed_unknown += 1
            elif absent(found):
                rolled_back_unknown += 1
            else:
                incoherent.append(record["token"])
    versions = rows("SELECT version, COUNT(*) FROM stories_historicalupdate WHERE id = %s AND history_type <> '-' "
                    "GROUP BY version ORDER BY version", [contested])
    accepted_bases = Counter(r["seen_version"] for r in ledger
                             if r["kind"] == "edit" and r["outcome"] == "acknowledged")
    result["contested_update"] = {
        "final_version": scalar("SELECT version FROM stories_update WHERE id = %s", [contested]),
        "revisions": len(versions),
        "versions_saved_twice": [v for v, n in versions if n > 1],
        "versions_skipped": sorted(set(range(1, versions[-1][0] + 1)) - {v for v, _ in versions}) if versions else [],
        "acknowledged_saves_on_the_same_version": sorted(v for v, n in accepted_bases.items() if n > 1),
    }
    result["acknowledged_missing"] = missing
    result["refused_but_written"] = leaked
    result["unknown_outcome"] = {"committed": committed_unknown, "rolled_back": rolled_back_unknown,
                                 "half_written": incoherent}
    result["add_ids"] = add_ids
    return result


def run_step(env: dict, *args: str) -> dict:
    result = subprocess.run([PYTHON, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"bench/load.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- One database ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def run_phase(phase: str, seconds: float, args, server: Server, setup: dict, probe: WriterProbe | None,
              ledger: list, tag: str) -> dict:
    until = time.monotonic() + seconds
    shared = Shared(port=server.port, urls=setup["urls"], phase=phase, until=until, seconds=seconds, ledger=ledger)
    editing = max(2, (args.editors + 1) // 2) if args.editors >= 3 else args.editors
    editors = [Editor(n, "edit" if n <= editing else "add", setup["accounts"][n - 1], shared, tag)
               for n in range(1, args.editors + 1)]
    reader_count = args.readers if probe is None else args.fault_readers
    readers = Readers(reader_count, server.port, setup["urls"]["poll"], args.poll_every, OUT / f"{args.name}-poll.lua")
    killer = None
    if probe is not None:
        killer = Killer(server, probe, shared, readers, args.kill_every, crash_at=time.monotonic() + seconds * 0.5)
    grace = time.monotonic() + seconds + 90
    try:
        readers.start(seconds)
        for thread in [*editors, *([killer] if killer else [])]:
            thread.start()
        for thread in [*editors, *([killer] if killer else [])]:
            thread.join(timeout=max(0.1, grace - time.monotonic()))
            if thread.is_alive():
                shared.problems.append(f"{thread.name} still running 90 s after the phase ended")
        readers.finish(timeout=max(1, grace - time.monotonic()))
    finally:
        shared.until = 0  # editors stop at their next turn if anything above failed
        readers.stop()
    polls = readers.totals()
    shared.problems += [f"readers: {problem}" for problem in polls["failed_runs"]]
    statuses = polls["statuses"]
    records = [r for r in ledger if r["phase"] == phase]
    outcomes = Counter(r["outcome"] for r in records)
    summary = {
        "seconds": seconds,
        "requests": sum(statuses.values()) + shared.editor_requests,
        "polls": sum(statuses.values()),
        "polls_200": statuses.get(200, 0),
        "polls_304": statuses.get(304, 0),
        "poll_p50_ms": round(polls["p50_ms"], 1),
        "poll_p99_ms": round(polls["p99_ms"], 1),
        "highest_sequence_seen": polls["highest"],
        "polls_whose_cursor_moved_back": polls["moved_back"],
        "reader_statuses": {str(code): n for code, n in sorted(statuses.items())},
        "reader_connection_errors": polls["errors"],
        "reader_anomalies": [f"{problem} ({n}×)" for problem, n in polls["anomalies"].items()],
        "editor_requests": shared.editor_requests,
        "editor_statuses": {str(k): v for k, v in shared.editor_statuses.items()},
        "editor_connection_errors": dict(shared.editor_connection_errors),
        "saves_attempted": len(records),
        "saves_acknowledged": outcomes["acknowledged"],
        "adds_acknowledged": sum(1 for r in records if r["kind"] == "add" and r["outcome"] == "acknowledged"),
        "edits_acknowledged": sum(1 for r in records if r["kind"] == "edit" and r["outcome"] == "acknowledged"),
        "conflicts": outcomes["conflict"],
        "saves_interrupted": outcomes["interrupted"],
        "form_errors": outcomes["form_error"] + outcomes["http_error"],
        "form_error_examples": [r.get("detail", "") for r in records
                                if r["outcome"] in ("form_error", "http_error")][:5],
        "server_errors_5xx": sum(v for k, v in statuses.items() if k >= 500)
        + sum(v for k, v in shared.editor_statuses.items() if k >= 500),
        "save_p50_ms": percentile(shared.save_latencies_ms, 0.5),
        "save_p99_ms": percentile(shared.save_latencies_ms, 0.99),
        "conflict_message_example": shared.conflict_example,
        "problems": shared.problems[:20],
        "wrk_pids": readers.pids,
    }
    if killer:
        summary.update(kills=len(killer.kills), restarts=len(killer.restarts), kill_log=killer.kills,
                       restart_log=killer.restarts, kill_windows_without_a_writer=killer.missed,
                       killer_errors=killer.errors)
    return summary


def scan_log(path: Path, start: int, end: int | None = None) -> dict:
    with path.open("rb") as log:
        log.seek(start)
        text = log.read(None if end is None else end - start).decode("utf-8", "replace")
    found = {name: len(pattern.findall(text)) for name, pattern in SERVER_LOG_PATTERNS.items()}
    # Django logs every 5xx it answers; /readyz saying 503 while a server starts is its job.
    found["5xx_logged"] = sum(1 for line in text.splitlines() if '"status_code": 5' in line and "/readyz" not in line)
    found["examples"] = [line[:300] for line in text.splitlines()
                         if SERVER_LOG_PATTERNS["database_is_locked"].search(line)
                         or SERVER_LOG_PATTERNS["tracebacks"].search(line)][:5]
    return found


def reader_walk(port: int, poll_path: str) -> set[int]:
    """Poll from the start, paging on with the cursor, as a reader opening the page late would."""
    seen, cursor = set(), 0
    for _ in range(10_000):
        with urllib.request.urlopen(f"http://{HOST}:{port}{poll_path}?after={cursor}", timeout=30) as response:
            data = json.loads(response.read())
        seen |= {update["id"] for update in data["updates"]}
        cursor = data["sequence"]
        if not data["more"]:
            break
    return seen


def run_database(database: str, args) -> dict:
    name = args.name
    env = server_env(database, name)
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"{name}-{database}-server.log"
    ledger_path = OUT / f"{name}-{database}-ledger.json"
    log_path.write_bytes(b"")
    print(f"[{database}] fresh database, migrate, import_seeds, collectstatic, editors", flush=True)
    fresh_database(env)
    setup = run_step(env, "--step", "setup", "--editors", str(args.editors))
    serving = Serving(args.worker_class, args.workers, args.threads, args.keep_alive)
    server = Server(env, port=free_port(), serving=serving, log=log_path)
    ledger: list = []
    result: dict = {"database": database, "database_url": env["DATABASE_URL"], "serving": str(serving),
                    "readers": args.readers, "fault_readers": args.fault_readers, "editors": args.editors,
                    "poll_every_s": args.poll_every,
                    # The machine is shared: say how busy it was (1-minute load average, 2 = both cores).
                    "load_average_before": round(os.getloadavg()[0], 1)}
    probe = None
    try:
        server.start()
        print(f"[{database}] load: {args.readers} readers, {args.editors} editors, {args.seconds} s "
              f"on gunicorn :{server.port}", flush=True)
        result["load"] = run_phase("load", args.seconds, args, server, setup, None, ledger, "L")
        load_log_end = log_path.stat().st_size
        result["load"]["server_log"] = scan_log(log_path, 0, load_log_end)
        if args.fault_seconds > 0:
            print(f"[{database}] faults: {args.fault_readers} readers, {args.editors} editors; the worker inside a write "
                  f"transaction SIGKILLed every ~{args.kill_every} s, the whole server killed mid-save and "
                  f"restarted ({args.fault_seconds} s)", flush=True)
            probe = WriterProbe(env["DATABASE_URL"])
            result["faults"] = run_phase("faults", args.fault_seconds, args, server, setup, probe, ledger, "F")
            result["faults"]["server_log"] = scan_log(log_path, load_log_end)
        ledger_path.write_text(json.dumps(ledger))
        result["verify"] = run_step(env, "--step", "verify", "--ledger", str(ledger_path),
                                    "--contested", str(setup["contested"]))
        acknowledged_ids = set(result["verify"].pop("add_ids").values())
        result["verify"]["acknowledged_adds_a_late_reader_misses"] = len(acknowledged_ids - reader_walk(
            server.port, setup["urls"]["poll"]))
    finally:
        if probe is not None:
            probe.close()
        server.stop()
    result["server_pids"] = sorted(server.pids)
    result["wrk_pids"] = [pid for phase in ("load", "faults") for pid in result.get(phase, {}).get("wrk_pids", [])]
    result["processes_left"] = running(server.pids) + running(result["wrk_pids"])
    result["server_log"] = scan_log(log_path, 0)
    result["load_average_after"] = round(os.getloadavg()[0], 1)
    result["failures"] = failures(result)
    result["passed"] = not result["failures"]
    return result


def failures(result: dict) -> list[str]:
    found = []
    load = result["load"]
    for phase_name in ("load", "faults"):
        phase = result.get(phase_name)
        if not phase:
            continue
        if phase["server_errors_5xx"]:
            found.append(f"{phase_name}: {phase['server_errors_5xx']} responses were 5xx")
        if phase["server_log"]["5xx_logged"]:
            found.append(f"{phase_name}: the server logged {phase['server_log']['5xx_logged']} 5xx responses")
        if phase["server_log"]["database_is_locked"]:
            found.append(f"{phase_name}: 'database is locked' in the server log")
        if phase["server_log"]["tracebacks"]:
            found.append(f"{phase_name}: {phase['server_log']['tracebacks']} tracebacks in the server log")
        if phase["server_log"]["worker_timeouts"]:
            found.append(f"{phase_name}: gunicorn timed out a worker")
        if phase["form_errors"]:
            found.append(f"{phase_name}: {phase['form_errors']} saves refused for another reason than a conflict")
        unexpected = {code: n for code, n in phase["reader_statuses"].items() if code not in ("200", "304")}
        if unexpected:
            found.append(f"{phase_name}: readers got other answers than 200 and 304: {unexpected}")
        if phase["reader_anomalies"]:
            found.append(f"{phase_name}: readers saw {phase['reader_anomalies'][0]}")
        if phase["problems"]:
            found.append(f"{phase_name}: {phase['problems'][0]}")
        if not phase["saves_acknowledged"]:
            found.append(f"{phase_name}: no save was acknowledged")
    if not load["conflicts"] and result["editors"] >= 2:
        found.append("load: no optimistic-locking conflict happened (editors never overlapped)")
    if load["reader_connection_errors"] or load["editor_connection_errors"] or load["saves_interrupted"]:
        found.append(f"load: connection errors without any fault injected: {load['reader_connection_errors']} "
                     f"{load['editor_connection_errors']}")
    if load["server_log"]["workers_killed"]:
        found.append("load: a worker died without any fault injected")
    faults = result.get("faults")
    # Saves every fraction of a second leave a reader little chance of an unchanged story: a 304
    # is looked for over the whole run (the fault phase's pauses give it one).
    phases = [load, *([faults] if faults else [])]
    if not sum(phase["polls_304"] for phase in phases) or not sum(phase["polls_200"] for phase in phases):
        found.append("readers never got both a 200 and a 304")
    if faults:
        if not faults["kills"]:
            found.append("faults: no worker was caught inside a write transaction")
        if faults["killer_errors"]:
            found.append(f"faults: {faults['killer_errors'][0]}")
        if not faults["restarts"]:
            found.append("faults: the server was not killed and restarted")
    verify = result.get("verify")
    if verify is None:
        found.append("verification did not run")
        return found
    for name, count in verify["invariants"].items():
        if count:
            found.append(f"invariant broken: {name} ({count})")
    if verify.get("integrity_check", "ok") != "ok" or verify.get("foreign_key_violations"):
        found.append(f"SQLite integrity: {verify.get('integrity_check')}, {verify.get('foreign_key_violations')} FK")
    if verify.get("vendor") == "sqlite" and verify.get("journal_mode") != "wal":
        found.append(f"SQLite is not in WAL mode ({verify.get('journal_mode')})")
    if missing := verify["acknowledged_missing"]:
        found.append(f"{len(missing)} acknowledged saves missing, e.g. {missing[0]}")
    if leaked := verify["refused_but_written"]:
        found.append(f"{len(leaked)} refused saves left a trace, e.g. {leaked[0]}")
    if verify["unknown_outcome"]["half_written"]:
        found.append(f"half-written saves: {verify['unknown_outcome']['half_written'][:3]}")
    contested = verify["contested_update"]
    if any(contested[k] for k in ("versions_saved_twice", "versions_skipped",
                                  "acknowledged_saves_on_the_same_version")):
        found.append(f"lost update on the contested update: {contested}")
    if verify["acknowledged_adds_a_late_reader_misses"]:
        found.append(f"{verify['acknowledged_adds_a_late_reader_misses']} acknowledged updates missing from the poll")
    if result["processes_left"]:
        found.append(f"processes left running: {result['processes_left']}")
    return found


def print_summary(result: dict) -> None:
    print(f"\n== {result['database']}: {'PASS' if result['passed'] else 'FAIL'}")
    for phase_name in ("load", "faults"):
        phase = result.get(phase_name)
        if not phase:
            continue
        line = (f"  {phase_name:6} {phase['seconds']:>4} s  requests {phase['requests']:>7}  polls {phase['polls']:>7} "
                f"(200: {phase['polls_200']}, 304: {phase['polls_304']}, p50 {phase['poll_p50_ms']} ms, "
                f"p99 {phase['poll_p99_ms']} ms)  saves {phase['saves_acknowledged']}/{phase['saves_attempted']} "
                f"acknowledged (adds {phase['adds_acknowledged']}, edits {phase['edits_acknowledged']}, "
                f"p50 {phase['save_p50_ms']} ms)  conflicts {phase['conflicts']}  5xx {phase['server_errors_5xx']}  "
                f"'database is locked' {phase['server_log']['database_is_locked']}")
        if phase_name == "faults":
            line += (f"\n         kills {phase['kills']} (in a write transaction), restarts {phase['restarts']}, "
                     f"saves cut off {phase['saves_interrupted']}, reader connections cut "
                     f"{sum(phase['reader_connection_errors'].values())}")
        print(line)
    verify = result.get("verify")
    if verify:
        broken = sum(1 for v in verify["invariants"].values() if v)
        unknown = verify["unknown_outcome"]
        print(f"  verify: {len(verify['invariants'])} invariants, {broken} broken; acknowledged saves missing "
              f"{len(verify['acknowledged_missing'])}; refused saves written {len(verify['refused_but_written'])}; "
              f"cut-off saves committed whole {unknown['committed']}, rolled back {unknown['rolled_back']}, "
              f"half written {len(unknown['half_written'])}; contested update at version "
              f"{verify['contested_update']['final_version']}, no version saved twice: "
              f"{not verify['contested_update']['versions_saved_twice']}")
    for failure in result["failures"]:
        print(f"  FAIL: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60, help="length of the load phase")
    parser.add_argument("--fault-seconds", type=float, default=30, help="length of the fault phase (0: none)")
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--editors", type=int, default=6)
    parser.add_argument("--fault-readers", type=int, default=30,
                        help="readers during the fault phase (fewer, so saves keep flowing between kills)")
    parser.add_argument("--poll-every", type=float, default=2.0,
                        help="seconds between a reader's polls (the real page waits 15 s; this is a spike)")
    parser.add_argument("--kill-every", type=float, default=1.5, help="seconds between worker kills")
    # How gunicorn serves: the README's recommendation (bench/run.py's SERVING) unless told otherwise.
    parser.add_argument("--worker-class", default=SERVING.worker_class, help="sync, gthread or a worker class path")
    parser.add_argument("--workers", type=int, default=SERVING.workers)
    parser.add_argument("--threads", type=int, default=SERVING.threads, help="threads per gthread worker")
    parser.add_argument("--keep-alive", type=int, default=SERVING.keep_alive, help="gthread keep-alive seconds")
    parser.add_argument("--name", default="load", help="names the database (newsroom_NAME, bench/out/NAME.sqlite3)")
    parser.add_argument("--output", type=Path, default=OUT / "load.json")
    parser.add_argument("--step", choices=["setup", "verify"], help=argparse.SUPPRESS)
    parser.add_argument("--ledger", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--contested", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "setup":
        print(json.dumps(setup_step(args.editors)))
        return
    if args.step == "verify":
        print(json.dumps(verify_step(args.ledger, args.contested)))
        return
    # On SIGTERM (a CI timeout) unwind normally, so every server and wrk started here is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.workers < 2 or args.editors < 1 or args.readers < 1 or args.fault_readers < 1:
        parser.error("the load needs 2+ workers, 1+ editors and 1+ readers")
    command = " ".join([".venv/bin/python bench/load.py", *sys.argv[1:]])
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    started = time.monotonic()
    runs = []
    for database in databases:
        runs.append(run_database(database, args))
        print_summary(runs[-1])
    report = {"command": command, "machine": machine(), "seconds_total": round(time.monotonic() - started, 1),
              "runs": runs, "passed": all(run["passed"] for run in runs)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\n{'PASS' if report['passed'] else 'FAIL'} in {report['seconds_total']} s; summary in {args.output}")
    sys.exit(0 if report["passed"] else 1)


if __name__ == "__main__":
    main()
