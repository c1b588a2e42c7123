"""The benchmark's markdown report, and the index advice derived from the same catalogue run."""

from __future__ import annotations

from benchmarks import growth
from benchmarks.harness import FLAT_RATIO, TARGETS_MS
from benchmarks.runner import PageResult, harness_drift, ratio, recommended_indexes, small_timing, verdicts


def _ms(value: float) -> str:
    return "—" if value != value else f"{value:.1f}"  # NaN check


def _pair(timing) -> str:
    if timing is None:
        return "n/a"
    if timing.status in (301, 302):
        return "n/a"  # the baseline has no such filter: the admin redirects to ?e=1
    if timing.error:
        return timing.error
    return f"{_ms(timing.p50)} / {_ms(timing.p95)}"


def _ratios(result: PageResult, other) -> str:
    p50, p95 = ratio(result.ours, other, "p50"), ratio(result.ours, other, "p95")
    if p50 is None or p95 is None:
        return "n/a"
    return f"{p50:.2f} / {p95:.2f}"


def growth_by_page(results, runs, small_runs) -> dict[str, growth.Growth]:
    small = {r.page.name: r for r in results.get((small_runs, "b"), [])} if small_runs else {}
    verdicts_ = {}
    for r in results.get((runs, "b"), []):
        s = small.get(r.page.name)
        if s is None or r.ours.error or s.ours.error:
            verdicts_[r.page.name] = growth.Growth("n/a")
        else:
            verdicts_[r.page.name] = growth.compare(s.work, r.work, runs / small_runs)
    return verdicts_


def render(title, machine, sizes, runs, results, small_runs=None) -> str:
    """results: {(rows, "a"|"b"): [PageResult]}; sizes: {alias: {table: rows}} of the large dataset."""
    large = results.get((runs, "b"), [])
    lines = [
        f"# {title}",
        "",
        f"- Machine: {machine}",
        f"- Large dataset: {runs:,} rows in each source's largest table."
        + (f" Small dataset (growth check): {small_runs:,}." if small_runs else ""),
    ]
    for alias, tables in sizes.items():
        lines.append(f"  - {alias}: " + ", ".join(f"{t} {n:,}" for t, n in tables.items() if n))
    lines += [
        "- Times are server time per request (in-process, until the response is ready to send; a stale figure's"
        " refresh after the response is not in them), p50 / p95 ms; targets p95: "
        + ", ".join(f"{k} ≤ {v:.0f} ms" for k, v in TARGETS_MS.items())
        + f"; flat = p50 on the large set ≤ {FLAT_RATIO}× the small set's, the two timed in turns, request by"
        " request.",
        "- (a) = only the indexes the running service has; (b) = (a) + the back office's recommended indexes.",
        "- Stock = Django defaults (full COUNT twice, icontains, full rows, 100 rows); tuned = documented options"
        " (exact search, lower(email) where indexed, no full count, planner-estimate count, deferred JSON,"
        " 50 rows, read-only). Ratios are ours ÷ baseline, p50 / p95: below 1.00 ours is faster.",
        "- Growth: from EXPLAIN (ANALYZE, BUFFERS) of every query the page ran, rows examined per row returned"
        " and buffers touched, large vs small; ^x is the exponent of growth in table size"
        f" (0 flat, 1 linear). GROWS = ^≥{growth.GROWTH_EXPONENT} and more than {growth.BOUND_ROWS:,} rows"
        f" or {growth.BOUND_BUFFERS:,} buffers on the large set; bounded = grows but under that bound.",
        "",
        "| page | group | (a) ms | (b) ms | queries (20/100/500) | tuned ms | ours ÷ tuned | stock ms | ours ÷ stock"
        " | growth | verdict (b) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    a_results = {r.page.name: r for r in results.get((runs, "a"), [])}
    small = {r.page.name: r for r in results.get((small_runs, "b"), [])} if small_runs else {}
    growths = growth_by_page(results, runs, small_runs)
    drift = harness_drift(large, small)
    for r in large:
        a = a_results.get(r.page.name)
        sizes_text = "/".join(str(r.queries_by_size[s]) for s in sorted(r.queries_by_size)) or str(r.ours.queries)
        misses = verdicts(r, small.get(r.page.name), drift)
        g = growths.get(r.page.name, growth.Growth("n/a"))
        lines.append(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                r.page.name.replace("|", "/"),
                r.page.group,
                _pair(a.ours) if a else "—",
                _pair(r.ours),
                sizes_text,
                _pair(r.tuned),
                _ratios(r, r.tuned),
                _pair(r.stock),
                _ratios(r, r.stock),
                g.cell(),
                "✓" if not misses else "✗ " + "; ".join(misses),
            )
        )
    lines += summary(results, runs, small_runs)
    failing = [(name, g) for name, g in growths.items() if g.failed]
    if small_runs:
        lines += ["", f"## Growth check: pages whose work grows with the table ({small_runs:,} → {runs:,} rows)", ""]
        for name, g in failing:
            q = g.offender
            lines.append(
                f"- **{name}**: rows examined per row returned {g.small_offender.per_row:,.0f} → {q.per_row:,.0f},"
                f" buffers {g.small_offender.buffers:,} → {q.buffers:,};"
                f" node: {q.worst.describe() if q.worst else '?'};"
                f" query ({q.alias}): `{' '.join(q.sql.split())[:300]}`"
            )
        if not failing:
            lines.append("- none")
        lines += ["", "## Index advice from the catalogue", ""]
        lines += [f"- {item['text']}" for item in index_advice(results, runs, small_runs)] or ["- none"]
    if small:
        lines += [
            "",
            f"## Flatness of time: p50 at {runs:,} vs {small_runs:,} rows (index set b)",
            "",
            f"| page | small p50 ms | large p50 ms | ratio | ÷ drift ×{drift:.2f} | small timed in turns |",
            "|---|---|---|---|---|---|",
        ]
        for r in large:
            s = small_timing(r, small.get(r.page.name))
            if s and r.ours.samples_ms:
                flat = r.ours.p50 / max(s.p50, 0.01)
                paired = "yes" if s is r.small_ours else "no (small pass)"
                lines.append(
                    f"| {r.page.name} | {_ms(s.p50)} | {_ms(r.ours.p50)} | {flat:.2f} | {flat / drift:.2f} | {paired} |"
                )
    needs = sorted({(name, r.page.name) for r in large for name in r.page.needs})
    if needs:
        lines += ["", "## Which pages declare which recommended index", ""]
        by_index: dict[str, list[str]] = {}
        for index, page in needs:
            by_index.setdefault(index, []).append(page)
        lines += [f"- `{index}`: {', '.join(pages)}" for index, pages in by_index.items()]
    scans = [(r.page.name, s) for r in large for s in r.seq_scans]
    lines += ["", "## EXPLAIN check (index set b): Seq Scans on tables over 100k rows", ""]
    lines += [f"- {page}: {scan}" for page, scan in scans] or ["- none"]
    return "\n".join(lines) + "\n"


def summary(results, runs, small_runs) -> list[str]:
    large = results.get((runs, "b"), [])
    small = {r.page.name: r for r in results.get((small_runs, "b"), [])} if small_runs else {}
    growths = growth_by_page(results, runs, small_runs)
    drift = harness_drift(large, small)
    missed = [r for r in large if verdicts(r, small.get(r.page.name), drift)]
    failing = [n for n, g in growths.items() if g.failed]
    bounded = [n for n, g in growths.items() if g.verdict == "bounded"]
    lines = ["", "## Summary", ""]
    lines.append(f"- Pages: {len(large)} (" + ", ".join(_group_counts(large)) + ").")
    lines.append(f"- Budgets: {len(large) - len(missed)} of {len(large)} pages meet their targets.")
    for name in ("tuned", "stock"):
        for pct in ("p50", "p95"):
            values = [ratio(r.ours, getattr(r, name), pct) for r in large]
            values = [x for x in values if x is not None]
            if values:
                slower = sum(1 for x in values if x > 1.0)
                lines.append(
                    f"- Ours ÷ {name} ({pct}): {len(values)} pages with a counterpart,"
                    f" median {sorted(values)[len(values) // 2]:.2f},"
                    f" range {min(values):.2f}–{max(values):.2f}; ours slower on {slower}."
                )
    if small:
        lines.append(
            f"- Harness drift: the back office's own pages (the same rows at both sizes) ran ×{drift:.2f} slower"
            " in the large pass (median p50); the flatness of time is judged after dividing by it."
        )
    if small_runs:
        by_source: dict[str, int] = {}
        for r in large:
            if r.page.name in failing:
                by_source[r.page.source] = by_source.get(r.page.source, 0) + 1
        lines.append(
            f"- Growth check: {len(failing)} of {len(growths)} pages GROW, {len(bounded)} bounded"
            + (" (" + ", ".join(f"{s} {n}" for s, n in by_source.items()) + "; listed below)" if failing else "")
            + "."
        )
    return lines


def _group_counts(results) -> list[str]:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.page.group] = counts.get(r.page.group, 0) + 1
    return [f"{n} {g}" for g, n in counts.items()]


def index_advice(results, runs, small_runs) -> list[dict]:
    """For check_sources: per growing page, the table it scans and an index; per recommended index, its pages.

    [{"kind": "missing" | "uses", "page", "source", "table", "node", "index", "create", "text"}]
    """
    advice = []
    grouped: dict[tuple, dict] = {}
    for name, g in growth_by_page(results, runs, small_runs).items():
        if not g.failed or g.offender is None or g.offender.worst is None:
            continue
        node = g.offender.worst
        create = growth.index_advice(g.offender)
        known = [
            idx
            for idx in recommended_indexes(g.offender.alias)
            if idx[0] == node.relation and create and idx[1].split(",")[0].strip() in create
        ]
        key = (g.offender.alias, node.relation, node.node_type, create)
        item = grouped.setdefault(
            key,
            {
                "kind": "missing",
                "pages": [],
                "source": g.offender.alias,
                "table": node.relation,
                "node": node.describe(),
                "index": known[0][2] if known else None,
                "create": create,
            },
        )
        item["pages"].append(name)
    for item in grouped.values():
        pages = item["pages"]
        shown = ", ".join(pages[:4]) + (f" and {len(pages) - 4} more" if len(pages) > 4 else "")
        text = f"page {shown} scans table {item['table']} ({item['node'][:160]})"
        if item["index"]:
            text += f": the recommended index {item['index']} is present and used, yet the work grows: bound the query"
        elif item["create"]:
            text += f": recommend {item['create']}"
        else:
            text += ": no index read from the plan; bound the query instead"
        item["text"] = text
        advice.append(item)
    used: dict[tuple[str, str], list[str]] = {}
    aliases = {w.alias for r in results.get((runs, "b"), []) for w in r.work}
    names = {idx[2]: (alias, idx) for alias in aliases for idx in recommended_indexes(alias)}
    for r in results.get((runs, "b"), []):
        for work in r.work:
            for node in work.nodes:
                if node.index in names:
                    used.setdefault((names[node.index][0], node.index), [])
                    if r.page.name not in used[(names[node.index][0], node.index)]:
                        used[(names[node.index][0], node.index)].append(r.page.name)
    for (alias, index), pages in sorted(used.items()):
        advice.append(
            {
                "kind": "uses",
                "source": alias,
                "index": index,
                "pages": pages,
                "text": f"recommended index {index} ({alias}) serves: {', '.join(pages)}",
            }
        )
    return advice
