from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand

from backoffice.sources import BASE_DIR


class Command(BaseCommand):
    help = "Benchmark the consoles on a large dataset against a stock Django admin (see README)."

    def add_arguments(self, parser):
        parser.add_argument("--source", default="wrapped")
        parser.add_argument("--runs", type=int, default=1_000_000, help="size of the large dataset (runs)")
        parser.add_argument(
            "--scale", type=float, help="the large dataset as a share of 1M runs: 0.001 for a smoke run, 10 for 10M"
        )
        parser.add_argument("--small-runs", type=int, default=10_000, help="size for the flatness check; 0 skips")
        parser.add_argument("--requests", type=int, default=30, help="timed requests per page (at least 30)")
        parser.add_argument("--out", default=str(BASE_DIR / "benchmarks" / "results"))
        parser.add_argument("--no-stock", action="store_true", help="skip the stock-admin baseline")

    def handle(self, source, runs, small_runs, requests, out, no_stock, scale=None, **options):
        from benchmarks import report, runner

        if scale is not None:
            runs = max(100, round(1_000_000 * scale))
            small_runs = min(small_runs, runs // 10) if small_runs else 0

        log = self.stdout.write
        results = {}
        for size in [s for s in (small_runs, runs) if s]:
            log(f"== {source}: {size:,} runs")
            with runner.pointed_at(source, runner.prepare(source, size, log)):
                for index_set in ("a", "b"):
                    runner.set_indexes(source, index_set == "b", log)
                    results[(size, index_set)] = runner.run_pages(source, requests, log, with_stock=not no_stock)
                sizes = runner.table_sizes(source)
        text = report.render(
            f"Benchmark: {source} console, {date.today().isoformat()}",
            runner.machine_line(),
            sizes,
            runs,
            results,
            small_runs or None,
        )
        path = Path(out) / f"{date.today().isoformat()}-{source}-{runs}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        log(text)
        log(self.style.SUCCESS(f"written to {path}"))
