"""A bulk run: the frozen targets of one confirmed action, worked through in the background."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ItemState(models.TextChoices):
    PENDING = "pending", "Waiting"
    SENDING = "sending", "Sending"
    OK = "ok", "Done"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown — sent, no answer"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled (not sent)"


FINISHED_STATES = (ItemState.OK, ItemState.FAILED, ItemState.UNKNOWN, ItemState.SKIPPED, ItemState.CANCELLED)


class BulkRun(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    source = models.CharField(max_length=40)
    action = models.CharField(max_length=80)  # the SourceAction's name
    description = models.CharField(max_length=200)
    model = models.CharField(max_length=80)  # "<app_label>.<model_name>" of the targets
    reason = models.TextField()
    # The confirmed form's one-time token: every call's Idempotency-Key derives from it and the
    # target, so a resumed run sends each call again with the key it had.
    token = models.CharField(max_length=255)
    submission = models.CharField(max_length=64, db_index=True)
    matched_when_looked = models.PositiveIntegerField(default=0)
    matched_at_confirm = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries")
    task_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.description} ({self.username}, {self.created_at:%Y-%m-%d %H:%M})"


class BulkRunItem(models.Model):
    run = models.ForeignKey(BulkRun, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    target_pk = models.CharField(max_length=200)
    target_key = models.CharField(max_length=200)
    label = models.CharField(max_length=300, blank=True)
    # What was planned for this row when the operator confirmed (e.g. the stage a dry run chose).
    plan = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=ItemState.choices, default=ItemState.PENDING, db_index=True)
    outcome = models.CharField(max_length=20, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="bulk_item_position_uniq")]

    def __str__(self):
        return f"{self.target_key}: {self.state}"
