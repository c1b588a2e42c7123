"""Run by tests/test_extra_source.py in its own pytest process, with tests.extra_source.settings.

A sixth source registered the way the README says (one registry entry, one app folder, one DDL
file, one factories module) gets its admin list, its health check and its dashboard panel
without any change to the core.
"""

from __future__ import annotations

from django.conf import settings

from backoffice import health
from backoffice.dashboard import all_panels
from backoffice.display import status_badge
from tests import seeding
from tests.extra_source.factories import ParcelFactory


def test_the_extra_source_is_configured_like_the_others():
    assert settings.CONFIGURED_SOURCES[-1] == "extra"
    assert "tests.extra_source" in settings.INSTALLED_APPS
    assert connections_name("extra").startswith("test_extra")


def connections_name(alias: str) -> str:
    from django.db import connections

    return connections[alias].settings_dict["NAME"]


def test_its_admin_list_reads_the_rows_and_never_the_secret(client_for):
    ParcelFactory(tracking_number="PX-DELIVERED-1", status="delivered", tracking_secret="SECRET-do-not-show")
    ParcelFactory(tracking_number="PX-LOST-2", status="lost")
    response = client_for("viewer").get("/admin/extra/parcel/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "PX-DELIVERED-1" in page and "PX-LOST-2" in page
    assert '<span class="badge badge-ok">delivered</span>' in page  # its declared status tones
    assert '<span class="badge badge-bad">lost</span>' in page
    assert "SECRET-do-not-show" not in page
    searched = client_for("viewer").get("/admin/extra/parcel/", {"q": "PX-LOST-2"}).content.decode()
    assert "PX-LOST-2" in searched and "PX-DELIVERED-1" not in searched
    index = client_for("viewer").get("/admin/").content.decode()
    assert "Extra parcels" in index


def test_its_health_check_reads_its_declarations():
    report = health.check_source("extra")
    assert report.reachable and report.read_only, report.error
    assert not report.unusable
    assert [f.message for f in report.findings if f.severity == health.ERROR] == []
    service = [f.message for f in report.findings if f.kind == health.SERVICE_INDEX]
    assert service == ["2 of 2 service indexes the pages rely on are present."]
    assert any("bo_parcels_status_created_at" in s for s in report.index_suggestions)

    seeding.execute("extra", "DROP INDEX parcels_created_at")
    try:
        gone = health.check_source("extra")
        assert [f.table for f in gone.findings if f.kind == health.SERVICE_INDEX and f.severity != health.OK] == [
            "parcels"
        ]
    finally:
        seeding.execute("extra", "CREATE INDEX parcels_created_at ON parcels (created_at DESC)")

    seeding.execute("extra", "ALTER TABLE parcels DROP COLUMN status")
    try:
        drifted = health.check_source("extra")
        assert any(f.column == "status" for f in drifted.breaking())
    finally:
        seeding.execute("extra", "ALTER TABLE parcels ADD COLUMN status varchar(20) NOT NULL DEFAULT 'waiting'")


def test_its_dashboard_panel_is_discovered_and_served(client_for):
    assert "extra.parcels" in [panel.key for panel in all_panels()]
    ParcelFactory(status="lost")
    ParcelFactory(status="delivered")
    client = client_for("viewer")
    assert "Parcels" in client.get("/admin/").content.decode()
    panel = client.get("/admin/dashboard/panel/extra/parcels/", headers={"HX-Request": "true"}).content.decode()
    assert '2</span><span class="label">parcels' in panel.replace("\n", "").replace("  ", "")
    assert '1</span><span class="label">lost parcels' in panel.replace("\n", "").replace("  ", "")
    assert status_badge("in_transit") == '<span class="badge badge-run">in_transit</span>'
