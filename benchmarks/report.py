"""The benchmark's markdown report."""

from __future__ import annotations

from benchmarks.harness import TARGETS_MS
from benchmarks.runner import PageResult, verdicts


def _ms(value: float) -> str:
    return "—" if value != value else f"{value:.1f}"  # NaN check


def _stock_p95(result: PageResult | None) -> str:
    if result is None or result.stock is None:
        return "n/a"
    return result.stock.error or _ms(result.stock.p95)


def _ratio(result: PageResult) -> str:
    if not result.stock or not result.stock.samples_ms:
        return "n/a" if not result.stock else (result.stock.error or "—")
    if result.stock.error:
        return result.stock.error
    return f"{result.stock.p95 / max(result.ours.p95, 0.01):.1f}x"


def render(title, machine, sizes, runs, results, small_runs=None) -> str:
    """results: {(runs, "a"|"b"): [PageResult]}"""
    lines = [
        f"# {title}",
        "",
        f"- Machine: {machine}",
        f"- Data ({runs:,} runs): " + ", ".join(f"{t} {n:,}" for t, n in sizes.items() if n),
    ]
    if small_runs:
        lines.append(f"- Flatness compared with a {small_runs:,}-run dataset built by the same generator")
    lines += [
        "- Times are server time per request (the whole Django request in-process), "
        f"targets: list/search p95 ≤ {TARGETS_MS['list']:.0f} ms, detail ≤ {TARGETS_MS['detail']:.0f} ms, "
        f"poll ≤ {TARGETS_MS['poll']:.0f} ms.",
        "- (a) = only the indexes the running service has; (b) = (a) + the back office's recommended indexes.",
        "- Stock = a stock Django admin over the same models in the same process"
        " (full COUNT, icontains search, full rows).",
        "",
        "| page | (a) p50 / p95 ms | (a) stock p95 | (b) p50 / p95 ms | queries (20/100/500 rows)"
        " | (b) stock p95 | stock ÷ ours (b) | verdict (b) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    a_results = {r.page.name: r for r in results.get((runs, "a"), [])}
    small = {r.page.name: r for r in results.get((small_runs, "b"), [])} if small_runs else {}
    for r in results.get((runs, "b"), []):
        a = a_results.get(r.page.name)
        sizes_text = "/".join(str(r.queries_by_size[s]) for s in sorted(r.queries_by_size)) or str(r.ours.queries)
        misses = verdicts(r, small.get(r.page.name))
        lines.append(
            "| {} | {} | {} | {} / {} | {} | {} | {} | {} |".format(
                r.page.name,
                (a.ours.error or f"{_ms(a.ours.p50)} / {_ms(a.ours.p95)}") if a else "—",
                (
                    _ms(a.stock.p95)
                    if a and a.stock and a.stock.samples_ms
                    else (a.stock.error if a and a.stock else "n/a")
                ),
                _ms(r.ours.p50),
                _ms(r.ours.p95),
                sizes_text,
                _stock_p95(r),
                _ratio(r),
                "✓" if not misses else "✗ " + "; ".join(misses),
            )
        )
    if small:
        lines += [
            "",
            f"## Flatness: p95 at {runs:,} runs vs {small_runs:,} runs (index set b)",
            "",
            "| page | small p95 ms | large p95 ms | ratio |",
            "|---|---|---|---|",
        ]
        for r in results.get((runs, "b"), []):
            s = small.get(r.page.name)
            if s and s.ours.samples_ms:
                lines.append(
                    f"| {r.page.name} | {_ms(s.ours.p95)} | {_ms(r.ours.p95)} | "
                    f"{r.ours.p95 / max(s.ours.p95, 0.01):.2f} |"
                )
    needs = sorted({(name, r.page.name) for r in results.get((runs, "b"), []) for name in r.page.needs})
    if needs:
        lines += ["", "## Which pages need which recommended index", ""]
        by_index: dict[str, list[str]] = {}
        for index, page in needs:
            by_index.setdefault(index, []).append(page)
        lines += [f"- `{index}`: {', '.join(pages)}" for index, pages in by_index.items()]
    scans = [(r.page.name, s) for r in results.get((runs, "b"), []) for s in r.seq_scans]
    lines += ["", "## EXPLAIN check (index set b): Seq Scans on tables over 100k rows", ""]
    lines += [f"- {page}: {scan}" for page, scan in scans] or ["- none"]
    return "\n".join(lines) + "\n"
