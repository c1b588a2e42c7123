from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from backoffice.sources import BASE_DIR


class Command(BaseCommand):
    help = (
        "Benchmark every page of the back office (the catalogue) on a large and a small dataset, against "
        "a stock and a tuned Django admin, with the growth check; optionally a load test (see README)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=1_000_000, help="rows of each source's largest table")
        parser.add_argument(
            "--scale", type=float, help="the large dataset as a share of 1M rows: 0.001 for a smoke run, 10 for 10M"
        )
        parser.add_argument(
            "--small-runs", type=int, default=10_000, help="size of the small dataset for the growth check; 0 skips"
        )
        parser.add_argument("--requests", type=int, default=30, help="timed requests per page (at least 30)")
        parser.add_argument("--out", default=str(BASE_DIR / "benchmarks" / "results"))
        parser.add_argument("--no-stock", action="store_true", help="skip the stock-admin baseline")
        parser.add_argument("--no-tuned", action="store_true", help="skip the tuned-admin baseline")
        parser.add_argument(
            "--index-sets", default="ab", help="a = service indexes only, b = + recommended; 'b' skips (a)"
        )
        parser.add_argument("--source", action="append", help="only the pages of this source (repeatable)")
        parser.add_argument("--only", help="only pages whose name matches this regular expression")
        parser.add_argument(
            "--page-sizes", default="20,100,500", help="list page sizes for the query-count check (large set only)"
        )
        parser.add_argument("--warmup", type=int, default=2, help="untimed requests before each page's samples")
        parser.add_argument("--load", action="store_true", help="then load-test gunicorn on the large dataset")
        parser.add_argument("--load-only", action="store_true", help="only the load test")
        parser.add_argument("--load-seconds", type=float, default=20.0, help="duration of each load level")
        parser.add_argument("--load-clients", default="10,20", help="concurrency levels, comma-separated")
        parser.add_argument(
            "--load-down", default="publishing", help="the source made unreachable during the load test"
        )

    def handle(self, runs, small_runs, requests, out, no_stock, no_tuned, index_sets, scale=None, **options):
        from benchmarks import report, runner

        if scale is not None:
            runs = max(100, round(1_000_000 * scale))
            small_runs = min(small_runs, runs // 10) if small_runs else 0
        log = self.stdout.write
        # The bench logs in as a staff user of the back office's own database: on a fresh
        # machine that database has no tables yet.
        call_command("migrate", verbosity=0, interactive=False)
        page_sizes = tuple(int(s) for s in options["page_sizes"].split(",") if s.strip())
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{date.today().isoformat()}-catalogue-{runs}"

        sources = tuple(options["source"]) if options["source"] else None
        if not options["load_only"]:
            results = {}
            # The small dataset's pass (first) also leaves what the large pass pairs each page with.
            small_samples: dict = {}
            pairing = None
            for size in [s for s in (small_runs, runs) if s]:
                log(f"== {size:,} rows per source")
                dbnames = runner.prepare_all(size, log, sources)
                if size == runs and small_runs and small_samples:
                    pairing = runner.Pairing(
                        {alias: runner.bench_database(alias, small_runs) for alias in dbnames}, small_samples
                    )
                with runner.pointed_all(dbnames):
                    # The small dataset is for the growth check, under (b) only.
                    wanted = [s for s in ("a", "b") if s in index_sets and (s == "b" or size == runs)]
                    with_recommended = [a for a in runner.bench_sources(sources) if runner.recommended_indexes(a)]
                    for index_set in wanted:
                        for alias in runner.bench_sources(sources):
                            runner.set_indexes(alias, index_set == "b", log)
                        results[(size, index_set)] = runner.run_pages(
                            requests,
                            log,
                            with_stock=not no_stock and index_set == "b",
                            with_tuned=not no_tuned and index_set == "b",
                            # (a) differs from (b) only where a source recommends indexes
                            sources=tuple(with_recommended) if index_set == "a" else sources,
                            only=options["only"],
                            warmup=options["warmup"],
                            page_sizes=page_sizes if size == runs else (),
                            paired_with=pairing if index_set == "b" else None,
                            samples_out=small_samples if size == small_runs else None,
                        )
                    sizes = {a: runner.table_sizes(a) for a in runner.bench_sources(sources)}
            text = report.render(
                f"Benchmark: the page catalogue, {date.today().isoformat()}",
                runner.machine_line(),
                sizes,
                runs,
                results,
                small_runs or None,
            )
            path = out_dir / f"{stem}.md"
            path.write_text(text)
            advice = report.index_advice(results, runs, small_runs or None)
            (out_dir / f"{stem}-index-advice.json").write_text(json.dumps(advice, indent=1) + "\n")
            log(text)
            log(self.style.SUCCESS(f"written to {path}"))

        if options["load"] or options["load_only"]:
            from benchmarks import loadtest

            with runner.pointed_all(runner.prepare_all(runs, log)):
                for alias in runner.bench_sources():
                    runner.set_indexes(alias, True, log)
                text = loadtest.run(
                    runs=runs,
                    seconds=options["load_seconds"],
                    levels=[int(c) for c in options["load_clients"].split(",") if c.strip()],
                    down=options["load_down"],
                    log=log,
                )
            path = out_dir / f"{date.today().isoformat()}-load-{runs}.md"
            path.write_text(text)
            log(text)
            log(self.style.SUCCESS(f"written to {path}"))
