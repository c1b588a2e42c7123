from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    SENDING = "sending", "Sent, no answer recorded (unknown)"
    OK = "ok", "OK"
    REJECTED = "rejected", "Rejected by the service (4xx)"
    SERVICE_ERROR = "service_error", "Service error (5xx)"
    TIMEOUT = "timeout", "Timed out"
    UNREACHABLE = "unreachable", "Service unreachable"
    NOT_CONFIGURED = "not_configured", "Service not configured"
    DUPLICATE = "duplicate", "Duplicate submission ignored"


class ActionRecord(models.Model):
    """One call the back office made to an owning service: who, what, and what came back."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150, db_index=True)  # kept if the user is deleted; filtered on
    source = models.CharField(max_length=40, db_index=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_ids = models.JSONField(default=list)
    target_key = models.CharField(max_length=200, blank=True, db_index=True)  # first target, for "actions on this run"
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_body = models.JSONField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, db_index=True)
    message = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=200, blank=True, db_index=True)
    # The confirmed submission the call belongs to (a digest of its one-time token): a second post
    # of the same confirmation re-sends only the calls whose outcome stayed unknown, with their key.
    submission = models.CharField(max_length=64, blank=True, db_index=True)
    # Why the operator did it (free text or a ticket reference), the same on every row of a submission.
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "target_key", "-created_at"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.username} {self.action} {self.target_key} → {self.outcome}"


class ActionSubmission(models.Model):
    """A confirmed action form, by its one-time token: a second POST of the same token calls nothing."""

    token = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)
    source = models.CharField(max_length=40)
    action = models.CharField(max_length=80)
    row_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.username} {self.action} ({self.row_count} rows)"


class RevealGrant(models.Model):
    """A break-glass reveal: one user may see one masked field of one object until `expires_at`."""

    created_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=80)  # "<app_label>.<model_name>"
    object_pk = models.CharField(max_length=200)
    field = models.CharField(max_length=80)
    reason = models.TextField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "object_type", "object_pk"], name="reveal_lookup_idx")]

    def __str__(self):
        return f"{self.user_id} {self.object_type} {self.object_pk} {self.field}"
