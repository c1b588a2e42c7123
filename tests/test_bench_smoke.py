"""`make bench` in miniature: the harness runs every registered page and writes its report."""

from django.core.management import call_command

from benchmarks import runner
from tests import seeding


def test_bench_smoke_run_writes_a_report(tmp_path, settings):
    call_command("bench", scale=0.0003, small_runs=0, requests=2, out=str(tmp_path))
    report = next(tmp_path.glob("*.md")).read_text()
    assert "| runs list |" in report
    assert "find a person: email (mixed case)" in report
    assert "EXPLAIN check" in report
    assert "HTTP 500" not in report
    with seeding.connect("wrapped", "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{runner.bench_database("wrapped", 300)}" WITH (FORCE)')
