"""Hot queries compiled once: the same rows as the queryset, for each call's own values."""

from __future__ import annotations

import pytest

from backoffice import compiled
from monitoring.posters.models import GeneratedPoster
from tests.factories.posters import BatchJobFactory, GeneratedPosterFactory


def test_the_statement_is_compiled_once_and_run_with_each_calls_values():
    first, second = BatchJobFactory(), BatchJobFactory()
    GeneratedPosterFactory(job=first, username="alice")
    GeneratedPosterFactory(job=second, username="bob")
    builds = []

    def build(job_id):
        builds.append(job_id)
        return GeneratedPoster.objects.filter(job_id=job_id).values_list("username")

    def usernames(job):
        return compiled.rows(("test usernames of a job",), build, using="posters", job_id=job.job_id)

    assert usernames(first) == [("alice",)]
    assert usernames(second) == [("bob",)]
    assert usernames(first) == [("alice",)]
    assert len(builds) == 1


def test_a_value_the_orm_rewrites_is_refused_not_run_as_the_stand_in():
    GeneratedPosterFactory(username="alice")

    def build(prefix):  # startswith: the ORM escapes the text and appends "%", a new string
        return GeneratedPoster.objects.filter(username__startswith=prefix).values_list("username")

    with pytest.raises(ValueError, match="prefix did not stay a parameter"):
        compiled.rows(("test usernames by prefix",), build, using="posters", prefix="ali")
