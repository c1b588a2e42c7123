from django.db import connections

from backoffice.dashboard import Panel


def parcels_now() -> dict:
    with connections["extra"].cursor() as cursor:
        cursor.execute("SELECT count(*) FILTER (WHERE status = 'lost'), count(*) FROM parcels")
        lost, total = cursor.fetchone()
    return {"lost": lost, "total": total}


PANELS = [Panel("extra", "parcels", "Parcels", "extra/dashboard/parcels.html", parcels_now)]
