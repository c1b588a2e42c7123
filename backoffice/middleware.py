"""A source database that is down, slow or drifted gets a clear page, never a 500."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.template.response import TemplateResponse

from backoffice import pii
from backoffice.sources import SOURCE_ALIASES

logger = logging.getLogger(__name__)


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
    if name in {"UndefinedColumn", "UndefinedTable"}:
        return ("The source schema has changed", f"{text}. Run `manage.py check_sources` to see the drift.")
    if name == "InsufficientPrivilege":
        return ("Not allowed by the source database", text)
    if is_bad_input(exc):
        return ("No such value", f"{text}. Nothing matches it; check the filter or search value.")
    return ("The source database answered with an error", text)


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
        if not isinstance(exception, DatabaseError):
            return None
        alias = _failing_alias(exception)
        if alias is None:
            return None
        title, detail = describe_database_error(exception)
        logger.warning("source %s failed on %s: %s", alias, request.path, detail)
        response = TemplateResponse(
            request,
            "backoffice/source_error.html",
            {"title": title, "detail": detail, "source": alias, "path": request.path},
            status=400 if is_bad_input(exception) else 503,
        )
        return response.render()


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
