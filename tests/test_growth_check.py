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


def capped_count(read: int, matched: int) -> dict:
    """A count capped at 10,001 rows by a Seq Scan that threw away what its filter rejected."""
    seq = scan(matched, kind="Seq Scan", buffers=read // 70)
    seq["Rows Removed by Filter"] = read - matched
    capped = limit(seq, limit=10_001, rows=matched, loops=1)
    top = {"Node Type": "Aggregate", "Plan Rows": 1, "Actual Rows": 1, "Actual Loops": 1, "Plans": [capped]}
    return {"Plan": {**top, "Shared Hit Blocks": capped["Shared Hit Blocks"]}}


def top_fifty(table_rows: int) -> dict:
    """The first 50 rows of a sort of the whole table."""
    seq = scan(table_rows, kind="Seq Scan", buffers=table_rows // 50)
    sort = {"Node Type": "Sort", "Plan Rows": table_rows, "Actual Rows": 50, "Actual Loops": 1, "Plans": [seq]}
    sort["Shared Hit Blocks"] = seq["Shared Hit Blocks"]
    return {"Plan": limit(sort, limit=50, rows=50, loops=1)}


def verdict(small_plan: dict, large_plan: dict) -> str:
    small = growth.analyse("wrapped", "SELECT queue", small_plan)
    large = growth.analyse("wrapped", "SELECT queue", large_plan)
    return growth.compare([small], [large], size_ratio=100).verdict


def test_a_count_capped_in_every_loop_is_bounded_by_its_cap():
    # 12 cells × 1,001 index entries and 4,000 buffers on the large set: more than a page's bound,
    # but every loop read only what its LIMIT passed up, so it is the cap's work, not the table's
    assert verdict(queue_plan(40, buffers=40), queue_plan(1_001)) == "bounded"


def test_a_limit_over_a_range_smaller_than_its_cap_is_bounded_by_the_cap():
    # on average 900 of 1,001, each cell's range read whole and every entry passed up: a bigger
    # table fills a cell up to the cap, no further
    assert verdict(queue_plan(40, buffers=40), queue_plan(900)) == "bounded"


def test_a_limit_over_a_filter_that_did_not_stop_is_no_bound():
    # 900 of 1,001 found per cell, after throwing 30,000 rows away: the filtered scan grows
    small = queue_plan(40, buffers=40)
    large = queue_plan(900)
    large["Plan"]["Plans"][1]["Plans"][0]["Plans"][0]["Rows Removed by Filter"] = 30_000
    assert verdict(small, large) == "GROWS"


def test_a_limit_over_a_sort_of_the_whole_table_is_no_bound():
    assert verdict(top_fifty(10_000), top_fifty(1_000_000)) == "GROWS"


def test_a_growing_scan_around_capped_subqueries_is_still_caught():
    # the capped subquery runs once per row of an outer scan that grows with the table
    small = queue_plan(40, cells=100, buffers=40, outer_rows=100)
    large = queue_plan(1_001, cells=20_000, buffers=3_000, outer_rows=20_000)
    assert verdict(small, large) == "GROWS"


def test_a_list_whose_index_scan_throws_most_rows_away_grows_though_its_limit_stopped():
    # LIMIT 51 in the list's order, the filter's rows found only after skipping the others: the
    # Limit stopped, but what the scan threw away to get there follows the table
    def first_page(thrown_away: int) -> dict:
        walk = scan(51, kind="Index Scan", buffers=thrown_away // 40)
        walk["Rows Removed by Filter"] = thrown_away
        return {"Plan": limit(walk, limit=51, rows=51, loops=1)}

    assert verdict(first_page(1_700), first_page(171_000)) == "GROWS"


def test_a_capped_count_over_a_filter_matching_a_fixed_share_is_bounded():
    # a Seq Scan reading 40,004 rows to count 10,001 matches of a filter that keeps a quarter: the
    # LIMIT stopped, and the same quarter costs the same reading at any size
    assert verdict(capped_count(600, 150), capped_count(40_004, 10_001)) == "bounded"


def test_the_seq_scan_check_skips_a_scan_its_capped_count_stopped_but_not_a_sort_of_everything():
    from benchmarks.runner import seq_scans

    big = {"wrapped": {"app_jobs"}}
    assert seq_scans([growth.analyse("wrapped", "SELECT count", capped_count(11_000, 10_001))], big) == []
    assert len(seq_scans([growth.analyse("wrapped", "SELECT top", top_fifty(1_000_000))], big)) == 1
