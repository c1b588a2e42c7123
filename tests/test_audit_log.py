"""The audit log's own list stays cheap as it grows: filter choices walk an index, no full count,
no date hierarchy, no request bodies loaded for the list."""

import re

import pytest
from django.core.cache import cache
from django.db import connection

from backoffice.audit.models import ActionRecord
from backoffice.filters import distinct_values
from tests.pages import changelist, query_log, result_rows

pytestmark = pytest.mark.django_db


def records(n: int, **fields):
    ActionRecord.objects.bulk_create(
        ActionRecord(
            source=fields.get("source", ("wrapped", "posters", "fleet")[i % 3]),
            action=fields.get("action", ("retry_run", "export_csv")[i % 2]),
            username=fields.get("username", f"staff-{i % 4}"),
            outcome=fields.get("outcome", "ok"),
            target_key=f"run-{i}",
            method="POST",
            path=f"/admin/runs/run-{i}/retry",
            request_body={"payload": "x" * 2000},
            response_excerpt="y" * 2000,
        )
        for i in range(n)
    )


def filter_choices(html: str, title: str) -> list[str]:
    block = re.search(rf"<summary>\s*By {title}\s*</summary>(.*?)</details>", html, re.S)
    assert block, f"no filter titled {title}"
    return [re.sub(r"<.*?>", "", a).strip() for a in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)]


def test_filter_choices_are_the_values_present_and_filter_the_list(client_for):
    records(12)
    records(2, source="xtrack", action="reveal", username="zoe")
    admin = client_for("admin")

    html = admin.get(changelist(ActionRecord)).content.decode()

    assert filter_choices(html, "source") == ["All", "fleet", "posters", "wrapped", "xtrack"]
    assert filter_choices(html, "action") == ["All", "export_csv", "retry_run", "reveal"]
    assert filter_choices(html, "username") == ["All", "staff-0", "staff-1", "staff-2", "staff-3", "zoe"]
    filtered = admin.get(changelist(ActionRecord), {"username": "zoe"}).content.decode()
    assert result_rows(filtered) == 2


def test_the_list_page_costs_the_same_at_any_size_and_never_reads_the_whole_log(client_for):
    admin = client_for("admin")
    filtered = {"created_at_from": "2000-01-01"}
    records(10)
    with query_log("default") as small:
        admin.get(changelist(ActionRecord), filtered)
    records(300)
    cache.clear()  # the first page's count is cached for a few seconds
    with query_log("default") as large:
        response = admin.get(changelist(ActionRecord), filtered)

    assert result_rows(response.content.decode()) == 50
    assert len(large) == len(small)
    listed = [sql for sql in large.selects() if 'FROM "audit_actionrecord"' in sql and "LIMIT 50" in sql]
    assert listed and all('"request_body"' not in sql and '"response_excerpt"' not in sql for sql in listed)
    assert not [sql for sql in large.sql("DISTINCT") if "audit_actionrecord" in sql], large.listing()
    # The filtered count stops at its cap: COUNT over a LIMITed subquery, not the whole log.
    counts = [sql for sql in large.sql("COUNT(") if "audit_actionrecord" in sql]
    assert counts and all("LIMIT" in sql for sql in counts), counts


def test_a_filter_choice_walk_reads_the_index_not_the_table():
    records(3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_actionrecord")
    with query_log("default") as log:
        assert distinct_values(ActionRecord, "username", "default") == ["staff-0", "staff-1", "staff-2", "staff-3"]

    (sql,) = log.sql()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0][0]["Plan"]
    nodes = []

    def walk(node):
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], [n["Node Type"] for n in nodes]
    index_reads = [n for n in nodes if n["Node Type"] in ("Index Only Scan", "Index Scan")]
    # One probe per distinct value (and one past the last), each returning at most one entry.
    assert index_reads and all(n["Actual Rows"] <= 1 for n in index_reads)
