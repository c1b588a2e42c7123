"""`manage.py check_sources`: is every source reachable, read-only and shaped as the models expect?

Exit status 1 when a source is unusable (unreachable, not provably read-only, or a mirrored table
is missing), so it can gate a deploy; 0 otherwise (drift and warnings are printed, each with the
pages it breaks or slows).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice.api_health import check_api
from backoffice.health import ERROR, INFO, OK, WARNING, SourceReport, check_source

MARKS = {OK: "✓", INFO: "·", WARNING: "!", ERROR: "✗"}


class Command(BaseCommand):
    help = (
        "Check each configured source database: reachable, read-only session and role, mirrored tables and "
        "columns, column types against what the models declare, primary keys, enum values, new columns, the "
        "service's own indexes the pages rely on and the recommended ones (missing ones printed as CREATE "
        "INDEX CONCURRENTLY statements); and each service's admin API: reachable, key accepted, answer time. "
        "Each drift names the pages it breaks or slows. Exit status 1 when a source database is unusable (an "
        "admin API problem is reported, and does not change the exit status)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            action="append",
            dest="sources",
            metavar="ALIAS",
            help="check only this source (repeatable); default: every configured source",
        )
        parser.add_argument("--json", action="store_true", help="print the reports as JSON")
        parser.add_argument(
            "--no-api",
            action="store_true",
            help="skip the admin API checks (reachable, key accepted, answer time)",
        )

    def handle(self, sources=None, json=False, verbosity=1, no_api=False, **options):
        aliases = sources or list(settings.CONFIGURED_SOURCES)
        unknown = [a for a in aliases if a not in settings.CONFIGURED_SOURCES]
        if unknown:
            configured = ", ".join(settings.CONFIGURED_SOURCES) or "none"
            raise CommandError(f"Not a configured source: {', '.join(unknown)} (configured: {configured})")
        reports = [check_source(alias) for alias in aliases]
        api_checks = {} if no_api else {alias: check_api(alias) for alias in aliases}
        if json:
            self.stdout.write(
                _json_dumps(
                    [
                        {**r.as_dict(), **({"api": api_checks[r.alias].as_dict()} if r.alias in api_checks else {})}
                        for r in reports
                    ]
                )
            )
        else:
            for report in reports:
                self._print_report(report, verbosity, api_checks.get(report.alias))
            self._print_suggestions(reports)
            self._print_summary(reports, api_checks)
        unusable = [r.alias for r in reports if r.unusable]
        if unusable:
            raise CommandError(f"Unusable source(s): {', '.join(unusable)}", returncode=1)

    def _print_report(self, report: SourceReport, verbosity: int, api_check=None) -> None:
        style = {
            "ok": self.style.SUCCESS,
            "warnings": self.style.WARNING,
            "errors": self.style.ERROR,
            "unusable": self.style.ERROR,
        }[report.status]
        self.stdout.write(
            style(f"{report.alias} ({report.label}): {report.status.upper()}  [{report.duration_ms:.0f} ms]")
        )
        if report.reachable:
            self.stdout.write(
                f"  PostgreSQL {report.server_version} · database {report.database} · role {report.role}"
                + (" · replica" if report.replica else "")
            )
        for finding in report.findings:
            if finding.severity in (OK, INFO) and verbosity < 1:
                continue
            self.stdout.write(f"  {MARKS[finding.severity]} {finding.message}")
        if api_check is not None:
            endpoint = f" ({api_check.endpoint})" if api_check.endpoint else ""
            style = {ERROR: self.style.ERROR, WARNING: self.style.WARNING}.get(api_check.severity, str)
            self.stdout.write(style(f"  {MARKS[api_check.severity]} admin API: {api_check.message}{endpoint}"))
        self.stdout.write("")

    def _print_suggestions(self, reports: list[SourceReport]) -> None:
        with_suggestions = [r for r in reports if r.index_suggestions]
        if not with_suggestions:
            return
        self.stdout.write(
            "Suggested indexes (for the owning service to create: CONCURRENTLY cannot run in a transaction):"
        )
        for report in with_suggestions:
            self.stdout.write(f"-- {report.alias} ({report.database or report.alias})")
            for statement in report.index_suggestions:
                self.stdout.write(statement)
        self.stdout.write("")

    def _print_summary(self, reports: list[SourceReport], api_checks: dict) -> None:
        counts = {status: sum(1 for r in reports if r.status == status) for status in ("ok", "warnings", "errors")}
        unusable = [r.alias for r in reports if r.unusable]
        line = f"{len(reports)} source(s): " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        if unusable:
            line += f"; UNUSABLE: {', '.join(unusable)}"
        api_problems = [f"{a} ({c.state})" for a, c in api_checks.items() if c.severity in (ERROR, WARNING)]
        if api_problems:
            line += f"; admin API problems: {', '.join(api_problems)}"
        self.stdout.write((self.style.ERROR if unusable else self.style.SUCCESS)(line))


def _json_dumps(value) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)
