"""A source database that is down, slow or drifted gets a clear page, never a 500."""

from __future__ import annotations

import logging

from django.apps import apps
from django.core.exceptions import MultipleObjectsReturned
from django.db import DatabaseError
from django.dispatch import Signal
from django.template.response import TemplateResponse

from backoffice import pii
from backoffice.sources import SOURCE_ALIASES

logger = logging.getLogger(__name__)

# Sent with sender=<alias> when a source answered that its schema is not what a query expected:
# whatever was learned about that schema once per process (column types) must be read again.
schema_changed = Signal()

# Errors a query gets when a table, column or type it was written for has changed.
SCHEMA_ERRORS = {"UndefinedColumn", "UndefinedTable", "UndefinedFunction", "DatatypeMismatch", "CannotCoerce"}
CHECK_SOURCES = "Run `manage.py check_sources` (or open Source health) to see the drift."


def describe_database_error(exc: BaseException) -> tuple[str, str]:
    """A (title, explanation) pair a support engineer can act on."""
    cause = exc.__cause__ or exc
    name = type(cause).__name__
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else name
    if name == "QueryCanceled" or "statement timeout" in text:
        return (
            "The source database took too long",
            "The query was cancelled by its statement timeout. Narrow the filters or search by an exact identifier.",
        )
    if name in {"OperationalError", "ConnectionTimeout"} or "connection" in text.lower():
        return ("The source database is unreachable", text)
    if name in SCHEMA_ERRORS:
        return ("The source schema has changed", f"{text}. {CHECK_SOURCES}")
    if name == "InsufficientPrivilege":
        return ("Not allowed by the source database", text)
    if is_bad_input(exc):
        return ("No such value", f"{text}. Nothing matches it; check the filter or search value.")
    return ("The source database answered with an error", text)


def schema_findings(alias: str, limit: int = 8) -> list[str]:
    """The drift the source's (cached) health report names, worst first; [] when it cannot tell."""
    from backoffice.health import ERROR, MISSING_COLUMN, MISSING_TABLE, PRIMARY_KEY, TYPE, WARNING
    from backoffice.health_admin import cached_report

    try:
        report = cached_report(alias)
    except Exception:  # the error page must not fail on its own explanation
        logger.exception("health check of %s failed while explaining an error", alias)
        return []
    kinds = {MISSING_TABLE, MISSING_COLUMN, TYPE, PRIMARY_KEY}

    def relevant(report):
        return [f for f in report.findings if f.kind in kinds and f.severity in (ERROR, WARNING)]

    findings = relevant(report)
    if not findings:
        # Cached before the change the query just met: look again (once, it refreshes the cache).
        try:
            findings = relevant(cached_report(alias, refresh=True))
        except Exception:
            logger.exception("health check of %s failed while explaining an error", alias)
    findings.sort(key=lambda f: f.severity != ERROR)
    return [f.message for f in findings[:limit]]


def is_bad_input(exc: BaseException) -> bool:
    """The source refused a value the user typed (a word that is not one of an enum's values)."""
    cause = exc.__cause__ or exc
    return type(cause).__name__ == "InvalidTextRepresentation" and "invalid input value for enum" in str(cause)


class SourceErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Display helpers that have no request at hand mask personal data for this request's user.
        token = pii.bind(request)
        try:
            response = self.get_response(request)
        finally:
            pii.unbind(token)
        return pii.mask_response(request, response)

    def process_exception(self, request, exception):
        if isinstance(exception, MultipleObjectsReturned):
            return self._duplicate_key(request, exception)
        if not isinstance(exception, DatabaseError):
            return None
        alias = _failing_alias(exception)
        if alias is None:
            return None
        title, detail = describe_database_error(exception)
        changes = []
        if type(exception.__cause__ or exception).__name__ in SCHEMA_ERRORS:
            schema_changed.send(sender=alias)
            changes = schema_findings(alias)
        logger.warning("source %s failed on %s: %s", alias, request.path, detail)
        return self._page(request, alias, title, detail, changes, status=400 if is_bad_input(exception) else 503)

    def _duplicate_key(self, request, exception):
        """A detail page whose key matches several rows: the table's primary key has changed."""
        model = next(
            (
                m
                for m in apps.get_models()
                if m._meta.app_label in SOURCE_ALIASES and isinstance(exception, m.MultipleObjectsReturned)
            ),
            None,
        )
        if model is None:
            return None
        alias, opts = model._meta.app_label, model._meta
        detail = (
            f"Several rows of {opts.db_table} share this {opts.pk.column}: it is no longer the table's key, "
            f"so one {opts.verbose_name} cannot be shown. {CHECK_SOURCES}"
        )
        logger.warning("source %s: duplicate key on %s", alias, request.path)
        return self._page(request, alias, "The source schema has changed", detail, schema_findings(alias))

    @staticmethod
    def _page(request, alias, title, detail, changes, status=503):
        """The error as a page, or as a fragment for an htmx request (a detail page's section puts
        it in its place; X-Backoffice-Fragment tells it this answer is meant to be shown)."""
        fragment = bool(getattr(request, "htmx", False))
        context = {"title": title, "detail": detail, "source": alias, "path": request.path, "changes": changes}
        if fragment:
            context["page"] = request.htmx.current_url_abs_path or request.path
        template = "backoffice/source_error_message.html" if fragment else "backoffice/source_error.html"
        response = TemplateResponse(request, template, context, status=status).render()
        if fragment:
            response["X-Backoffice-Fragment"] = "1"
        return response


def _failing_alias(exception) -> str | None:
    """The source alias whose connection raised, read off the traceback (Django does not tag it)."""
    tb = exception.__traceback__
    while tb is not None:
        frame_self = tb.tb_frame.f_locals.get("self")
        alias = getattr(getattr(frame_self, "db", None), "alias", None) or getattr(frame_self, "alias", None)
        if alias in SOURCE_ALIASES:
            return alias
        tb = tb.tb_next
    return None
