from django.db import models


class Parcel(models.Model):
    id = models.BigAutoField(primary_key=True)
    tracking_number = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=20)
    created_at = models.DateTimeField()
    # tracking_secret: never mapped (secret_columns)

    class Meta:
        managed = False
        db_table = "parcels"
