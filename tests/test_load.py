"""Load and faults, short form: bench/load.py against real gunicorn servers, as CI runs it.

Per database (SQLite in WAL mode always, PostgreSQL when it answers on 127.0.0.1:5432): 8 s of
30 polling readers (wrk) and 3 editors saving through the admin forms, then 8 s in which the
worker holding a save's write transaction is SIGKILLed and the whole server is killed mid-save and
restarted. About 30 s per database. The full version (60 s, 200 readers) is in README.md.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHORT_FORM = ["--seconds", "8", "--fault-seconds", "8", "--readers", "30", "--fault-readers", "30", "--editors", "3",
              "--poll-every", "1", "--name", "loadtest"]
TIME_LIMIT = 150  # seconds per database, setup included; a healthy run takes about 30

pytestmark = [
    pytest.mark.load,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="the readers are wrk threads: apt-get install wrk"),
]


def process_state(pid: int) -> str | None:
    """The kernel's one-letter state of a process (Z for a zombie), None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module", params=[
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.skipif(not postgres_answers(), reason="no PostgreSQL on 127.0.0.1:5432")),
])
def run(request, tmp_path_factory) -> dict:
    """One short run of bench/load.py on one database; its JSON summary."""
    output = tmp_path_factory.mktemp("load") / "load.json"
    command = [sys.executable, str(ROOT / "bench" / "load.py"), "--database", request.param, *SHORT_FORM,
               "--output", str(output)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        log, _ = process.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # load.py stops its servers and wrk on SIGTERM
        log, _ = process.communicate(timeout=60)
        pytest.fail(f"bench/load.py took over {TIME_LIMIT} s:\n{log[-4000:]}")
    if not output.exists():
        pytest.fail(f"bench/load.py exited {process.returncode} without a summary:\n{log[-4000:]}")
    result = json.loads(output.read_text())["runs"][0]
    result["log"] = log
    return result


def test_no_5xx_and_no_database_locked_while_readers_poll_and_editors_save(run):
    for phase in ("load", "faults"):
        assert run[phase]["server_errors_5xx"] == 0, run["log"][-3000:]
        assert run[phase]["server_log"]["database_is_locked"] == 0
        assert run[phase]["server_log"]["tracebacks"] == 0, run[phase]["server_log"]["examples"]
    load = run["load"]
    assert load["polls_200"] > 0 and load["polls_304"] > 0  # readers saw changes and used their ETags
    assert set(load["reader_statuses"]) <= {"200", "304"}
    assert load["reader_anomalies"] == []
    assert load["reader_connection_errors"] == {} and load["editor_connection_errors"] == {}
    assert load["form_errors"] == 0, load["form_error_examples"]
    assert load["problems"] == []


def test_every_acknowledged_save_is_in_the_database_and_the_poll(run):
    assert run["load"]["adds_acknowledged"] > 0 and run["load"]["edits_acknowledged"] > 0
    assert run["faults"]["saves_acknowledged"] > 0
    assert run["verify"]["acknowledged_missing"] == []
    assert run["verify"]["acknowledged_adds_a_late_reader_misses"] == 0


def test_concurrent_edits_are_refused_with_the_conflict_message_and_nothing_is_lost(run):
    load = run["load"]
    assert load["conflicts"] > 0, "the editors never collided; the check proves nothing"
    assert "while you were editing it" in load["conflict_message_example"]
    assert "Your changes were not saved" in load["conflict_message_example"]
    assert run["verify"]["refused_but_written"] == []
    contested = run["verify"]["contested_update"]
    assert contested["versions_saved_twice"] == []
    assert contested["versions_skipped"] == []
    assert contested["acknowledged_saves_on_the_same_version"] == []
    assert contested["revisions"] == contested["final_version"]


def test_killing_workers_and_the_server_mid_save_leaves_no_half_written_rows(run):
    faults = run["faults"]
    assert faults["kills"] >= 2 and faults["restarts"] == 1, faults["kill_log"]
    assert faults["saves_interrupted"] > 0, "no save was cut off; the check proves nothing"
    verify = run["verify"]
    assert verify["unknown_outcome"]["half_written"] == []
    assert {name: count for name, count in verify["invariants"].items() if count} == {}
    if run["database"] == "sqlite":
        assert (verify["journal_mode"], verify["integrity_check"], verify["foreign_key_violations"]) == ("wal", "ok", 0)


def test_the_run_passes_and_leaves_no_process_behind(run):
    assert run["failures"] == [], run["log"][-3000:]
    assert run["passed"]
    assert run["server_pids"] and run["wrk_pids"]
    assert [pid for pid in run["server_pids"] + run["wrk_pids"] if process_state(pid) not in (None, "Z")] == []
