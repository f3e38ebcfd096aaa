"""The two lookups of core/lookups.py: literal IN sets from code only, and a comparison SQLite does not index."""

import pytest
from django.db import connection

from doorstep.cases.models import Case
from doorstep.core.lookups import literal_in_q


def test_in_literal_writes_sorted_literals_and_matches_the_index_condition():
    sql = str(Case.objects.filter(state__in_literal={"in_review", "accepted"}).query)
    assert "IN ('accepted', 'in_review')" in sql
    assert literal_in_q("state", ["in_review", "accepted"]).children == [("state__in", ["accepted", "in_review"])]


@pytest.mark.parametrize("values", [["a'; DROP TABLE x; --"], ["Accepted"], [], ["in review"]])
def test_in_literal_refuses_anything_but_plain_code_values(values):
    with pytest.raises(ValueError):
        str(Case.objects.filter(state__in_literal=values).query)


@pytest.mark.django_db
def test_unindexed_compares_the_same_and_hides_the_index_only_on_sqlite():
    sql = str(Case.objects.filter(state__unindexed="rated").query)
    assert ('+"cases_case"."state" = rated' in sql) == (connection.vendor == "sqlite")
    assert Case.objects.filter(state__unindexed="rated").count() == Case.objects.filter(state="rated").count()
