"""Helpers the page tests share: admin URLs of a model, the rows a changelist shows, query budgets."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager

from django.contrib import admin
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change(model, pk) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


# A detail page's section placeholder (SourceModelAdmin.section_placeholders).
SECTION = re.compile(r'<div class="detail-section" hx-get="([^"]+)"[^>]*>.*?</div>', re.S)


def open_detail(client, url: str, **extra):
    """A detail page as a browser shows it: the page, then each section it loads after itself
    (an htmx request per placeholder) put in its place, the way backoffice/sections.js does."""
    response = client.get(url, **extra)
    if response.status_code != 200:
        return response

    def section(match) -> str:
        answer = client.get(html.unescape(match.group(1)), headers={"HX-Request": "true"})
        if answer.status_code < 400 or answer.get("X-Backoffice-Fragment"):
            return answer.content.decode()
        return f'<p class="errornote section-error">This section could not be loaded (HTTP {answer.status_code}).</p>'

    response.content = SECTION.sub(section, response.content.decode()).encode()
    return response


def section_urls(page: str) -> list[str]:
    """The URLs of the sections a detail page loads after itself."""
    return [html.unescape(url) for url in SECTION.findall(page)]


def result_rows(page: str) -> int:
    match = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', page, re.S)
    return match.group(1).count("<tr") if match else 0


class QueryLog:
    """The queries a block ran on some aliases: the one query-budget helper of the page tests.

    with query_log("fleet") as log:                    # capture, then look
        client.get(url)
    assert len(log.sql('FROM "activity_log"')) == 1

    with query_budget("wrapped", "default", at_most=5):   # fail, listing the SQL, when over
        client.get(url)
    """

    def __init__(self, *aliases: str):
        self.aliases = aliases or ("default",)
        self._contexts = [CaptureQueriesContext(connections[alias]) for alias in self.aliases]

    def __enter__(self) -> QueryLog:
        for context in self._contexts:
            context.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        for context in reversed(self._contexts):
            context.__exit__(*exc)

    @property
    def captured_queries(self) -> list[dict]:
        return [query for context in self._contexts for query in context.captured_queries]

    def on(self, alias: str) -> list[dict]:
        return list(self._contexts[self.aliases.index(alias)].captured_queries)

    def __len__(self) -> int:
        return len(self.captured_queries)

    def __iter__(self):
        return iter(self.captured_queries)

    def sql(self, containing: str = "") -> list[str]:
        return [q["sql"] for q in self.captured_queries if containing in q["sql"]]

    def selects(self) -> list[str]:
        return [s for s in self.sql() if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    def listing(self) -> list[str]:
        return [s[:160] for s in self.sql()]


def query_log(*aliases: str) -> QueryLog:
    return QueryLog(*aliases)


@contextmanager
def query_budget(*aliases: str, at_most: int, exactly: bool = False):
    """Fail when the block runs more queries than at_most (or other than exactly at_most)."""
    with QueryLog(*aliases) as log:
        yield log
    if exactly:
        assert len(log) == at_most, (f"{len(log)} queries, expected {at_most}", log.listing())
    else:
        assert len(log) <= at_most, (f"{len(log)} queries, budget {at_most}", log.listing())


def list_page_queries(client, model, per_page: int, params: dict | None = None):
    """GET the model's changelist with list_per_page = per_page; returns (response, QueryLog)."""
    model_admin = admin.site._registry[model]
    saved = model_admin.__dict__.get("list_per_page")
    model_admin.list_per_page = per_page
    try:
        with QueryLog(model._meta.app_label) as log:
            response = client.get(changelist(model), params or {})
    finally:
        if saved is None:
            del model_admin.list_per_page
        else:
            model_admin.list_per_page = saved
    return response, log
