"""What an import did, and how a dry run writes nothing: shared by the seed and bundle importers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

OUTCOMES = ("created", "updated", "unchanged")


class SeedError(Exception):
    """A seed file that cannot be imported; the message names the file and the fault."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


class BundleError(ValueError):
    """The bundle cannot be imported; the message names the entry and the fault."""


@dataclass
class ImportReport:
    """Rows created, updated and left unchanged, per kind of row."""

    counts: dict[str, Counter] = field(default_factory=dict)
    flagged_citations: int = 0
    dry_run: bool = False

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"{outcome!r} is not one of {OUTCOMES}")
        self.counts.setdefault(kind, Counter())[outcome] += n

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for kind, c in sorted(self.counts.items())
        ]

    def summary(self) -> str:
        return ", ".join(f"{self.total(outcome)} {outcome}" for outcome in OUTCOMES)


class _RollBack(Exception):
    pass


@contextmanager
def atomic_unless_dry_run(report: ImportReport) -> Iterator[None]:
    """One transaction around the load; on a dry run it is rolled back once the report is complete."""
    try:
        with transaction.atomic():
            yield
            if report.dry_run:
                raise _RollBack
    except _RollBack:
        pass


def run_import(load: Callable[[ImportReport], object], *, dry_run: bool) -> ImportReport:
    """Run `load(report)` in one transaction (rolled back on a dry run) and return its report."""
    report = ImportReport(dry_run=dry_run)
    with atomic_unless_dry_run(report):
        load(report)
    return report
