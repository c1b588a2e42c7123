"""Support staff export what a list shows; viewers may not; PII follows the same rule as the page."""

import csv
import io

from tests.factories.wrapped import WrappedRunFactory

RUNS = "/admin/wrapped/wrappedrun/"


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_support_exports_the_filtered_list_as_shown(client_for):
    failed = WrappedRunFactory(stage="analysis", email="ana@example.com")
    WrappedRunFactory(stage="ready")
    client = client_for("support")
    assert "Export CSV" in client.get(RUNS, {"status__exact": "failed"}).content.decode()
    rows = rows_of(client.get(f"{RUNS}export.csv", {"status__exact": "failed"}))
    assert rows[0][:3] == ["run", "status", "stage"]
    assert [r[0] for r in rows[1:]] == [failed.id]
    assert "Running analysis" in rows[1] and "ana@example.com" in rows[1]


def test_viewer_gets_a_masked_export(client_for):
    WrappedRunFactory(email="ana.private@example.com")
    client = client_for("viewer")
    assert "Export CSV" in client.get(RUNS).content.decode()
    response = client.get(f"{RUNS}export.csv")
    assert response.status_code == 200
    text = response.content.decode()
    assert "ana.private@example.com" not in text
    assert "personal data masked for your role" in text.splitlines()[-1]
    support = client_for("support").get(f"{RUNS}export.csv").content.decode()
    assert "ana.private@example.com" in support


def test_every_export_writes_an_audit_row(client_for):
    from backoffice.audit.models import ActionRecord

    WrappedRunFactory(status="failed")
    WrappedRunFactory(status="failed")
    WrappedRunFactory(status="ready")
    client_for("viewer").get(f"{RUNS}export.csv", {"status__exact": "failed"})
    entry = ActionRecord.objects.get(action="export_csv")
    assert entry.username == "viewer-user" and entry.source == "wrapped" and entry.outcome == "ok"
    assert entry.request_body["list"] == "wrapped.wrappedrun"
    assert entry.request_body["filters"] == {"status__exact": ["failed"]}
    assert entry.request_body["rows"] == 2
    audit = client_for("admin").get("/admin/audit/actionrecord/", {"action": "export_csv"}).content.decode()
    assert "exported 2 rows" in audit


def test_exports_are_bounded_in_cells_bytes_and_rows(client_for, settings):
    settings.EXPORT_MAX_CELL_CHARS = 50
    big = "x" * 5000
    for _ in range(6):
        WrappedRunFactory(sec_user_id=big)
    response = client_for("support").get(f"{RUNS}export.csv")
    rows = rows_of(response)
    assert all(len(cell) <= 50 + len("…[cut]") for row in rows for cell in row)
    assert "cells longer than 50 characters were cut" in rows[-1][0]

    settings.EXPORT_MAX_BYTES = 900
    response = client_for("support").get(f"{RUNS}export.csv")
    assert len(response.content) < 900 + 200  # the budget plus the closing note
    assert "size limit" in response["X-Export-Truncated"]
    assert int(response["X-Export-Rows"]) < 6

    settings.EXPORT_MAX_BYTES = 10_000_000
    settings.BULK_ACTION_LIMIT = 4
    response = client_for("support").get(f"{RUNS}export.csv")
    assert response["X-Export-Rows"] == "4" and "row limit" in response["X-Export-Truncated"]


def test_export_never_hands_a_spreadsheet_a_formula(client_for):
    WrappedRunFactory(sec_user_id="=HYPERLINK(1)")
    rows = rows_of(client_for("support").get(f"{RUNS}export.csv"))
    assert "'=HYPERLINK(1)" in rows[1]
