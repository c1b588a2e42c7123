"""The growth check: does a page's work grow with the table, whatever its plan looks like?

Each query a page ran is re-run under EXPLAIN (ANALYZE, BUFFERS). From the executed plan:

- rows examined: every row a scan node produced or threw away (Rows Removed by Filter, by
  Index Recheck) plus rows a join filter threw away, times the node's loops;
- rows returned by the query (at least 1), and examined per returned row;
- buffers touched (shared hit + read) by the whole plan.

The same page is measured on the small and the large database. Its growth is
large ÷ small of examined-per-returned and of buffers; the exponent log(growth) / log(size ratio)
is ~0 for a flat page (an index range read, a LIMIT) and ~1 for a page whose work follows the
table (a Seq Scan, or an Index Scan that filters away most of what it reads). A page fails when
a query's exponent is ≥ GROWTH_EXPONENT and its work on the large database is over the bound a
page may spend on purpose: the capped count reads up to COUNT_CAP + 1 rows.

Work under a LIMIT is bounded by the limit, not by the table, when nothing under the Limit read a
row it did not pass up (a capped count over an index range, once or per queue cell: a bigger
table reads at most the cap), or when the Limit stopped (it returned its limit in every loop)
after reading at most READ_PER_ROW_PASSED_UP rows per row it passed up (a capped count over a
filter that matches a fixed share of the rows: 10,001 matches cost the same reading at any
size). A Limit that stopped only after a filter threw away most of what it read (a list's index
scan skipping the rows a filter rejects to fill its page), or over a sort of everything, is no
bound: that work is what grows. The rows and buffers under a bounding Limit are left out of the
bound; what runs outside it still counts, so a capped subquery run once per row of a growing
scan is still caught by that scan.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from backoffice.pagination import COUNT_CAP

GROWTH_EXPONENT = 0.5
BOUND_ROWS = COUNT_CAP + 1
BOUND_BUFFERS = 2_000  # 16 MB of pages per query
# A LIMIT that stopped bounds what its filter threw away on the way when that is a fixed share
# (a filter matching at least a tenth of the rows it reads), not a share that grows with the table.
READ_PER_ROW_PASSED_UP = 10


@dataclass
class Node:
    node_type: str
    relation: str | None
    index: str | None
    examined: int
    detail: str  # filter / index condition / sort key, as the plan prints it
    capped: bool = False  # under a Limit that bounds it (see the module's docstring)

    def describe(self) -> str:
        where = f" on {self.relation}" if self.relation else ""
        using = f" using {self.index}" if self.index else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.node_type}{where}{using} ({self.examined:,} rows examined){detail}"


@dataclass
class QueryWork:
    alias: str
    sql: str
    examined: int = 0
    returned: int = 1
    buffers: int = 0
    ms: float = 0.0
    worst: Node | None = None  # the node that examined the most rows
    nodes: list[Node] = field(default_factory=list)
    error: str = ""
    capped_rows: int = 0  # rows examined under such Limits
    capped_buffers: int = 0  # buffers touched under them

    @property
    def per_row(self) -> float:
        return self.examined / max(1, self.returned)

    @property
    def shape(self) -> str:
        return shape(self.sql)


def shape(sql: str) -> str:
    """The query with its literals blanked: the same page asks the same shapes at any size."""
    text = re.sub(r"'(?:[^']|'')*'", "?", sql)
    text = re.sub(r"\b\d+(\.\d+)?\b", "?", text)
    text = re.sub(r"\?(\s*,\s*\?)+", "?", text)  # IN lists of any length
    return " ".join(text.split())


def _walk(node, sort_keys=(), capped_above=False):
    """(node, the sort keys of the nearest Sort above it, whether the node is a bounding Limit or
    under one, whether it is the topmost such Limit) for every node of the plan."""
    top_capped = not capped_above and _bounding_limit(node)
    capped = capped_above or top_capped
    yield node, sort_keys, capped, top_capped
    keys = tuple(node.get("Sort Key", ())) or sort_keys
    for child in node.get("Plans", []):
        yield from _walk(child, keys, capped)


def _bounding_limit(node) -> bool:
    """A Limit that bounds the work under it (see the module's docstring)."""
    if node.get("Node Type") != "Limit":
        return False
    loops = max(1, int(node.get("Actual Loops", 1)))
    passed_up = float(node.get("Actual Rows", 0))  # the average per loop
    examined = sum(_examined(n) for n in _nodes(node))
    if examined <= (passed_up + 1) * loops:
        return True  # nothing read that was not passed up
    return _stopped(node) and examined <= READ_PER_ROW_PASSED_UP * passed_up * loops


def _stopped(node) -> bool:
    """The Limit cut its input short in every loop: it returned the cap, or its limit each time
    (a Limit's planned rows are its limit when the input is planned bigger)."""
    actual, limit = float(node.get("Actual Rows", 0)), float(node.get("Plan Rows", 0))
    if actual >= BOUND_ROWS:
        return True
    child_estimate = max((float(c.get("Plan Rows", 0)) for c in node.get("Plans", [])), default=0.0)
    return 0 < limit < child_estimate and actual >= limit


def _nodes(node):
    """The node and every node under it."""
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _examined(node) -> int:
    """Rows a node read (produced or threw away), over all its loops."""
    kind = node.get("Node Type", "")
    examined = 0
    if "Scan" in kind and kind != "Bitmap Index Scan":  # the heap side counts a bitmap scan once
        examined += int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
        examined += int(node.get("Rows Removed by Index Recheck", 0))
    examined += int(node.get("Rows Removed by Join Filter", 0))
    return examined * max(0, int(node.get("Actual Loops", 1)))


def _buffers(node) -> int:
    return int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))


def analyse(alias: str, sql: str, plan: dict) -> QueryWork:
    """QueryWork of one `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` result (plan = result[0])."""
    top = plan["Plan"]
    work = QueryWork(alias, sql, returned=max(1, int(top.get("Actual Rows", 0))), ms=plan.get("Execution Time", 0.0))
    work.buffers = _buffers(top)
    for node, sort_keys, capped, top_capped in _walk(top):
        if top_capped:
            work.capped_buffers += _buffers(node)  # a node's buffers include its children's
        kind = node.get("Node Type", "")
        examined = _examined(node)
        if not examined and not node.get("Index Name"):
            continue
        details = [node[k] for k in ("Index Cond", "Recheck Cond", "Filter") if node.get(k)]
        names = {node.get("Relation Name"), node.get("Alias")} - {None}
        own_keys = [k for k in sort_keys if "." not in k.split()[0] or k.split(".")[0].strip("(") in names]
        if own_keys and "Index" not in kind:
            details.append("sorted by " + ", ".join(own_keys))
        found = Node(kind, node.get("Relation Name"), node.get("Index Name"), examined, "; ".join(details), capped)
        work.nodes.append(found)
        work.examined += examined
        if capped:
            work.capped_rows += examined
        if work.worst is None or examined > work.worst.examined:
            work.worst = found
    return work


def _pair(small: list[QueryWork], large: list[QueryWork]) -> list[tuple[QueryWork, QueryWork]]:
    """Match the large run's queries to the small run's by shape (then by order within a shape)."""
    by_shape: dict[str, list[QueryWork]] = {}
    for work in small:
        by_shape.setdefault(work.shape, []).append(work)
    pairs = []
    for work in large:
        candidates = by_shape.get(work.shape)
        if candidates:
            pairs.append((candidates.pop(0), work))
    return pairs


@dataclass
class Growth:
    verdict: str  # "flat" | "bounded" | "GROWS" | "n/a"
    rows_exponent: float = 0.0
    buffers_exponent: float = 0.0
    offender: QueryWork | None = None  # the query that grows most, on the large database
    small_offender: QueryWork | None = None

    @property
    def failed(self) -> bool:
        return self.verdict == "GROWS"

    def cell(self) -> str:
        if self.verdict == "n/a":
            return "n/a"
        return f"{self.verdict} (rows ^{self.rows_exponent:.2f}, buffers ^{self.buffers_exponent:.2f})"


def _exponent(small: float, large: float, size_ratio: float) -> float:
    return math.log(max(large, 1.0) / max(small, 1.0)) / math.log(size_ratio) if size_ratio > 1 else 0.0


def compare(small: list[QueryWork], large: list[QueryWork], size_ratio: float) -> Growth:
    """The page's growth verdict from its queries' work at the two sizes."""
    pairs = [(s, lg) for s, lg in _pair(small, large) if not s.error and not lg.error]
    if not pairs:
        return Growth("flat" if not large else "n/a")
    worst = Growth("flat", -9.0, -9.0)
    for s, lg in pairs:
        rows_e = _exponent(s.per_row, lg.per_row, size_ratio)
        buf_e = _exponent(s.buffers, lg.buffers, size_ratio)
        grows = rows_e >= GROWTH_EXPONENT or buf_e >= GROWTH_EXPONENT
        over = lg.examined - lg.capped_rows > BOUND_ROWS or lg.buffers - lg.capped_buffers > BOUND_BUFFERS
        verdict = "GROWS" if grows and over else "bounded" if grows else "flat"
        rank = {"flat": 0, "bounded": 1, "GROWS": 2}
        if (rank[verdict], max(rows_e, buf_e)) > (
            rank[worst.verdict],
            max(worst.rows_exponent, worst.buffers_exponent),
        ):
            worst = Growth(verdict, rows_e, buf_e, lg, s)
    worst.rows_exponent = max(worst.rows_exponent, 0.0)
    worst.buffers_exponent = max(worst.buffers_exponent, 0.0)
    return worst


def index_advice(work: QueryWork) -> str | None:
    """CREATE INDEX statement(s) that would serve the worst node of a growing query, read from its plan.

    Equality columns first, then range columns, then the sort keys; a condition of ORs needs one
    index per column (a BitmapOr of them), so it gets one statement per column.
    """
    node = work.worst
    if node is None or not node.relation:
        return None
    equal: list[str] = []
    ranges: list[str] = []
    sort: list[str] = []
    ored = False
    for condition in node.detail.split("; "):
        if condition.startswith("sorted by "):
            sort += [_column(k) for k in condition[len("sorted by ") :].split(",")]
            continue
        ored = ored or " OR " in condition
        for match in CONDITION.finditer(condition):
            (equal if match.group(2).startswith("=") else ranges).append(match.group(1))
        equal += BARE_BOOLEAN.findall(condition)
    if ored:
        columns = list(dict.fromkeys(equal + ranges))
        return "; ".join(f"CREATE INDEX ON {node.relation} ({c})" for c in columns) or None
    columns = list(dict.fromkeys(equal + ranges + [c for c in sort if c.split()[0] not in equal + ranges]))
    if not columns:
        return None
    return f"CREATE INDEX ON {node.relation} ({', '.join(columns)})"


CONDITION = re.compile(r"\(*([a-z_][a-z0-9_]*)\)?(?:::[\w ]+?)?\s*(= ANY|=|<=|>=|<|>|IS NULL|IS NOT NULL)")


BARE_BOOLEAN = re.compile(r"(?:\(|\bAND |\bNOT )([a-z_][a-z0-9_]*)\)")


def _column(key: str) -> str:
    key = key.strip()
    name = key.split()[0].split(".")[-1].strip("()")
    return f"{name} DESC" if key.upper().endswith("DESC") else name
