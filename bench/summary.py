"""The README's performance table, one row per configuration and size, from bench result files.

    .venv/bin/python bench/summary.py bench/results.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import DETAIL_PAGES, FLAT_HEADING, TARGETS_HEADING  # noqa: E402

SECTION = re.compile(r"^## (?P<config>\S+), N = (?P<events>[\d,]+) events")
COLD = re.compile(r"every cache empty \(in process, median of \d+\): (?P<ms>[\d.]+) ms")


def sections(text: str) -> list[dict]:
    found, current = [], None
    for line in text.splitlines():
        if match := SECTION.match(line):
            current = {"config": match["config"], "events": int(match["events"].replace(",", "")), "rows": {}}
            found.append(current)
        elif line.startswith("## "):
            current = None
        elif current and line.startswith("| ") and not line.startswith("| endpoint"):
            name, rps, p50, _p99, errors, _queries, _ratio = (cell.strip() for cell in line.strip("|").split("|"))
            current["rows"][name] = {"rps": float(rps), "p50": float(p50), "errors": int(errors)}
        elif current and (match := COLD.search(line)):
            current["cold_ms"] = float(match["ms"])
    return found


def table_rows(text: str, heading: str) -> list[str]:
    """The rows of the table under `heading` ("Flat in N, side by side", "Targets, in rounds");
    none from result files from before it."""
    _, found, rest = text.partition(heading)
    if not found:
        return []
    return [line for line in rest.split("\n## ")[0].splitlines()
            if line.startswith("| ") and not line.startswith("| database")]


def summary_row(section: dict) -> str:
    rows = with_ratios(section["rows"])
    story, fresh = rows["story page"], rows["story page, rendered each time"]
    details = [name for name in DETAIL_PAGES if name in rows]
    lowest = min(rows[name]["ratio"] for name in details)
    slowest_fresh = max(rows[f"{name}, rendered each time"]["p50"] for name in details)
    # Result files from before the "every cache empty" mode have no such row.
    empty = rows.get("story page, every cache empty")
    empty_cell = f"{empty['ratio']:.1f}% (p50 {empty['p50']:.0f} ms)" if empty else "—"
    empty_details = [rows[f"{name}, every cache empty"] for name in details if f"{name}, every cache empty" in rows]
    empty_details_cell = (
        f"{min(row['ratio'] for row in empty_details):.1f}% (p50 {max(row['p50'] for row in empty_details):.0f} ms)"
        if empty_details else "—"
    )
    return (
        f"| {section['config']} | {section['events']:,} "
        f"| {story['ratio']:.0f}% (p50 {story['p50']:.0f} ms) "
        f"| {rows['story page, page cache warm (1 s)']['ratio']:.0f}% "
        f"| {rows['updates poll, current ETag (304)']['ratio']:.0f}% "
        f"| {lowest:.0f}% "
        f"| {fresh['ratio']:.1f}% (p50 {fresh['p50']:.0f} ms) | {slowest_fresh:.1f} ms "
        f"| {empty_cell} | {section['cold_ms']:.1f} ms | {empty_details_cell} "
        f"| {sum(row['errors'] for row in rows.values())} |"
    )


def with_ratios(rows: dict) -> dict:
    """Each row's requests/s as a share of the minimal view's (the mean of its two measurements)."""
    floor = (rows["minimal Django view (/healthz)"]["rps"] + rows["minimal Django view (again)"]["rps"]) / 2
    return {name: {**row, "ratio": round(100 * row["rps"] / floor, 1)} for name, row in rows.items()}


def main(paths: list[str]) -> None:
    print("| database, cache | N events | story page | story page, page cache warm | poll 304 "
          "| detail pages (lowest) | story page, rendered each time (fragments warm) "
          "| detail pages rendered each time (slowest p50) | story page, every cache empty "
          "| story page, every cache empty, in process | detail pages, every cache empty (lowest; slowest p50) "
          "| errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    flat, held = [], []
    for path in paths:
        text = Path(path).read_text()
        for section in sections(text):
            print(summary_row(section))
        flat += table_rows(text, FLAT_HEADING)
        held += table_rows(text, TARGETS_HEADING)
    if flat:
        print("\nFlat in N, side by side (the story page with every cache empty, both sizes served at once):\n")
        print("| database, cache | N | req/s | N | req/s | ratio | rounds | errors |")
        print("|---|---:|---:|---:|---:|---:|---|---:|")
        print("\n".join(flat))
    if held:
        print("\nTargets, in rounds (each round against the minimal view measured at its start and end):\n")
        print("| database, cache | N | page | target | req/s | p50 ms | p99 ms | ratio (median) | ratio per round "
              "| errors | met |")
        print("|---|---:|---|---|---:|---:|---:|---:|---|---:|---|")
        print("\n".join(held))


if __name__ == "__main__":
    main(sys.argv[1:] or ["bench/results.md"])
