"""`make bench` rewrites BENCHMARKS.md: a section no benchmark writes is kept, not lost."""

from __future__ import annotations

from tests.bench.notes import KEPT, RETIRED, kept

OLD = """# blocbot benchmarks

Machine: …

## Update throughput and latency

| figure | 300 upd/s |

## Measured by hand

A paragraph someone wrote.

More of it.

## Targets

- met: …
"""

NEW = """# blocbot benchmarks

## Update throughput and latency

| figure | 310 upd/s |

## Targets

- met: …
"""


def test_a_section_no_benchmark_writes_is_kept_and_marked() -> None:
    assert kept(OLD, NEW) == [f"## Measured by hand\n{KEPT}\n\nA paragraph someone wrote.\n\nMore of it."]


def test_a_kept_section_is_kept_again_without_a_second_mark() -> None:
    once = "\n\n".join([NEW, *kept(OLD, NEW)])
    assert kept(once, NEW) == kept(OLD, NEW)


def test_a_section_written_by_a_benchmark_or_retired_is_not_kept() -> None:
    assert kept(NEW, NEW) == []
    retired = next(iter(RETIRED))
    assert kept(f"{retired}\n\nold figures\n", NEW) == []
