"""The payload diff a support engineer reads to see what changed between two runs."""

from hypothesis import given
from hypothesis import strategies as st

from backoffice.jsondiff import ADDED, CHANGED, REMOVED, TYPE_CHANGED, Change, diff

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=15,
)


def test_paths_name_each_addition_removal_and_change():
    old = {"status": "failed", "data_jobs": {"email_send": {"status": "failed"}}, "videos": [1, 2, 3], "x": 1}
    new = {"status": "ready", "data_jobs": {"email_send": {"status": "succeeded"}}, "videos": [1, 2]}
    new |= {"y": None, "x": "1"}
    changes, cut = diff(old, new)
    assert not cut
    assert changes == [
        Change("status", CHANGED, "failed", "ready"),
        Change("data_jobs.email_send.status", CHANGED, "failed", "succeeded"),
        Change("videos[2]", REMOVED, old=3),
        Change("x", TYPE_CHANGED, 1, "1"),
        Change("y", ADDED, new=None),
    ]


def test_long_diffs_are_cut_and_say_so():
    changes, cut = diff({str(i): i for i in range(50)}, {}, limit=10)
    assert len(changes) == 10 and cut


@given(JSON, JSON)
def test_no_changes_means_equal_documents(a, b):
    changes, _ = diff(a, b)
    if not changes:
        assert a == b


@given(JSON)
def test_a_document_equals_itself(a):
    assert diff(a, a) == ([], False)
