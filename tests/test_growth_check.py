"""The bench's growth check on executed plans: a capped count per loop is bounded, a scan that
grows is caught, whatever the LIMITs under it."""

from __future__ import annotations

from benchmarks import growth


def scan(rows: float, loops: int = 1, estimate: float = 1_000_000, buffers: int = 0, kind: str = "Index Only Scan"):
    return {
        "Node Type": kind,
        "Relation Name": "app_jobs",
        "Index Name": "bo_jobs_status_task_created" if "Index" in kind else None,
        "Plan Rows": estimate,
        "Actual Rows": rows,
        "Actual Loops": loops,
        "Shared Hit Blocks": buffers,
    }


def limit(child: dict, *, limit: int, rows: float, loops: int):
    return {
        "Node Type": "Limit",
        "Plan Rows": min(limit, child["Plan Rows"]),
        "Actual Rows": rows,
        "Actual Loops": loops,
        "Shared Hit Blocks": child["Shared Hit Blocks"],
        "Plans": [child],
    }


def queue_plan(per_cell: float, *, cells: int = 12, buffers: int = 4_000, outer_rows: int = 12) -> dict:
    """A count of each of `cells` queue cells, each capped at 1,001 rows (the queue's shape)."""
    capped = limit(scan(per_cell, cells, buffers=buffers), limit=1_001, rows=per_cell, loops=cells)
    counted = {"Node Type": "Aggregate", "Plan Rows": 1, "Actual Rows": 1, "Actual Loops": cells, "Plans": [capped]}
    pairs = scan(outer_rows, kind="CTE Scan", estimate=outer_rows)
    top = {
        "Node Type": "Sort",
        "Plan Rows": 3,
        "Actual Rows": outer_rows,
        "Actual Loops": 1,
        "Shared Hit Blocks": buffers + 100,
        "Plans": [pairs, counted],
    }
    return {"Plan": top}


def verdict(small_plan: dict, large_plan: dict) -> str:
    small = growth.analyse("wrapped", "SELECT queue", small_plan)
    large = growth.analyse("wrapped", "SELECT queue", large_plan)
    return growth.compare([small], [large], size_ratio=100).verdict


def test_a_count_capped_in_every_loop_is_bounded_by_its_cap():
    # 12 cells × 1,001 index entries and 4,000 buffers on the large set: more than a page's bound,
    # but every loop stopped at its LIMIT, so it is the cap's work, not the table's
    assert verdict(queue_plan(40, buffers=40), queue_plan(1_001)) == "bounded"


def test_a_limit_that_did_not_stop_every_loop_is_no_bound():
    # on average 900 of 1,001: some cells were read whole, and those grow with the table
    assert verdict(queue_plan(40, buffers=40), queue_plan(900)) == "GROWS"


def test_a_growing_scan_around_capped_subqueries_is_still_caught():
    # the capped subquery runs once per row of an outer scan that grows with the table
    small = queue_plan(40, cells=100, buffers=40, outer_rows=100)
    large = queue_plan(1_001, cells=20_000, buffers=3_000, outer_rows=20_000)
    assert verdict(small, large) == "GROWS"
