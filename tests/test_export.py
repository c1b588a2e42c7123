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


def test_viewer_may_not_export(client_for):
    WrappedRunFactory()
    client = client_for("viewer")
    assert "Export CSV" not in client.get(RUNS).content.decode()
    assert client.get(f"{RUNS}export.csv").status_code == 403


def test_export_never_hands_a_spreadsheet_a_formula(client_for):
    WrappedRunFactory(sec_user_id="=HYPERLINK(1)")
    rows = rows_of(client_for("support").get(f"{RUNS}export.csv"))
    assert "'=HYPERLINK(1)" in rows[1]
