"""List filters and changelists of the fleet pages (fixed choices, index-served)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import F

from backoffice.changelist import SourceChangeList
from backoffice.filters import DefaultChoiceFilter
from monitoring.fleet import queries
from monitoring.fleet.models import (
    LOW_BATTERY,
    LOW_STORAGE_GB,
    NEEDS_WARMING_PLATFORMS,
    NEEDS_WARMING_STATES,
    STATE_GROUPS,
    AccountState,
)


class DeletedFilter(DefaultChoiceFilter):
    title = "deleted"
    parameter_name = "deleted"
    default = "no"

    def lookups(self, request, model_admin):
        return [("no", "Not deleted"), ("yes", "Deleted"), ("all", "All")]

    def queryset(self, request, queryset):
        value = self.effective(request)
        if value == "no":
            return queryset.filter(deleted_at__isnull=True)
        if value == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


class StateFilter(admin.SimpleListFilter):
    """The state machine's groups first, then each state. A filtered list reads in state order
    (AccountChangeList): bo_accounts_by_state serves a group only in that order."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        groups = [(group, f"{group.capitalize()}: {', '.join(states)}") for group, states in STATE_GROUPS.items()]
        return groups + [(state, f"· {label}") for state, label in AccountState.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value in STATE_GROUPS:
            return queryset.filter(current_state__in=STATE_GROUPS[value])
        if value:
            return queryset.filter(current_state=value)
        return queryset


class ShadowbannedFilter(admin.SimpleListFilter):
    """Through bo_accounts_by_shadowban (is_shadowbanned, platform, username): the list's order."""

    title = "shadowbanned"
    parameter_name = "shadowbanned"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_shadowbanned=self.value() == "yes")
        return queryset


class NeedsWarmingFilter(admin.SimpleListFilter):
    """The scheduler's queue: idx_accounts_needs_warming's predicate, in its order (AccountChangeList)."""

    title = "scheduler"
    parameter_name = "view"

    def lookups(self, request, model_admin):
        return [("needs_warming", "Needs warming (next first)")]

    def queryset(self, request, queryset):
        if self.value() == "needs_warming":
            return queryset.filter(
                current_state__in=NEEDS_WARMING_STATES,
                platform__in=NEEDS_WARMING_PLATFORMS,
                deleted_at__isnull=True,
            )
        return queryset


class AccountChangeList(SourceChangeList):
    def get_ordering(self, request, queryset):
        if self.params.get("o"):
            return super().get_ordering(request, queryset)
        # Exactly the index's order (no tie-breaker: it would add a sort over all never-warmed rows).
        if self.params.get(NeedsWarmingFilter.parameter_name) == "needs_warming":
            return [F("last_warmed_at").asc(nulls_first=True)]
        # A state group in (platform, username) order would walk every account of the other states:
        # state first is bo_accounts_by_state's order (total: platform, username is unique).
        if self.params.get(StateFilter.parameter_name):
            return ["current_state", "platform", "username"]
        return super().get_ordering(request, queryset)


class DeviceAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("low_battery", f"Battery under {LOW_BATTERY} %"),
            ("low_storage", f"Storage under {LOW_STORAGE_GB} GB"),
            ("disconnected", "Disconnected"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "low_battery":
            return queryset.filter(battery_level__lt=LOW_BATTERY)
        if value == "low_storage":
            return queryset.filter(storage_free_gb__lt=LOW_STORAGE_GB)
        if value == "disconnected":
            return queryset.filter(status="disconnected")
        return queryset


class DeviceChangeList(SourceChangeList):
    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # evaluated once; the template reads the same rows
        counts = queries.live_accounts_by_device([d.pk for d in rows])
        for device in rows:
            device.live_accounts = counts.get(device.pk, 0)


class UnresolvedFilter(DefaultChoiceFilter):
    title = "resolution"
    parameter_name = "state"
    default = "open"

    def lookups(self, request, model_admin):
        return [("open", "Unresolved"), ("resolved", "Resolved"), ("all", "All")]

    def queryset(self, request, queryset):
        value = self.effective(request)
        if value == "open":
            return queryset.filter(resolved=False)
        if value == "resolved":
            return queryset.filter(resolved=True)
        return queryset
