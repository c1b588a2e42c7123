"""Counting on big tables: estimates, caps, and a time budget that gives up the count, not the page."""

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from backoffice.pagination import COUNT_CAP, EstimatedCountPaginator
from monitoring.wrapped.models import WrappedRun
from tests.factories.wrapped import WrappedRunFactory


def slow_filter(queryset):
    sleepy = RawSQL("(SELECT pg_sleep(0.2)) IS NOT NULL", [], output_field=BooleanField())
    return queryset.alias(sleepy=sleepy).filter(sleepy=True)


def test_a_count_over_its_time_budget_is_given_up_and_the_connection_still_works():
    WrappedRunFactory(with_jobs=False)
    paginator = EstimatedCountPaginator(slow_filter(WrappedRun.objects.order_by("id")), 50)
    assert paginator.count == COUNT_CAP
    assert paginator.is_unknown
    assert WrappedRun.objects.count() == 1  # the read transaction was not left aborted


def test_a_small_filtered_count_is_exact():
    for _ in range(3):
        WrappedRunFactory(with_jobs=False, status="failed")
    paginator = EstimatedCountPaginator(WrappedRun.objects.filter(status="failed").order_by("id"), 50)
    assert paginator.count == 3
    assert not (paginator.is_unknown or paginator.is_capped or paginator.is_estimate)


def test_an_unfiltered_small_table_is_counted_exactly_in_one_query(django_assert_num_queries):
    WrappedRunFactory(with_jobs=False)
    paginator = EstimatedCountPaginator(WrappedRun.objects.order_by("id"), 50)
    with django_assert_num_queries(1, using="wrapped"):
        assert paginator.count == 1


def test_the_count_budget_ends_with_the_count_inside_a_callers_transaction():
    """In a caller's transaction the count's block is only a savepoint: its time budget must not
    stay on for the rest of that transaction (a slow statement after it would be cancelled)."""
    from django.db import connections, transaction

    WrappedRunFactory(with_jobs=False, status="failed")
    connection = connections["wrapped"]
    with transaction.atomic(using="wrapped"):
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            before = cursor.fetchone()[0]
        paginator = EstimatedCountPaginator(WrappedRun.objects.filter(status="failed").order_by("id"), 50)
        assert paginator.count == 1
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == before
            cursor.execute("SELECT pg_sleep(0.1)")  # longer than the count's budget
