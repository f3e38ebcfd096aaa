"""What a fresh-eyes review of the hall found (issue #14): a booking code typed with spaces or a dash, a walk-in item
named by part of its name, closed windows marked in the transfer list, priority classes in English."""

import pytest
from django.utils import translation

from doorstep.core.errors import ValidationFailed
from doorstep.hall.models import PriorityRule
from doorstep.hall.selectors.staff import arrival_input, item_code_for


def test_a_code_copied_with_spaces_or_a_dash_is_a_code():
    assert arrival_input(" 4455 3647 ") == ("44553647", "")
    assert arrival_input("4455-3647") == ("44553647", "")
    assert arrival_input("430302199003070011")[0] == ""  # an ID number stays an ID number


@pytest.mark.django_db
def test_a_walk_in_item_by_part_of_its_name():
    assert item_code_for("老年人优待证") == "MZ-C01"
    with pytest.raises(ValidationFailed, match="多个事项"):
        item_code_for("老年")
    with pytest.raises(ValidationFailed, match="没有找到"):
        item_code_for("不存在的事项名称")


@pytest.mark.django_db
def test_priority_classes_read_in_english():
    rule = PriorityRule.objects.get(code="elder70")
    with translation.override("en"):
        assert rule.label == "Aged 70 and over"
    assert rule.label == "70岁以上老年人"


@pytest.mark.django_db
def test_the_transfer_list_marks_closed_windows(client):
    from django.utils import timezone

    from doorstep.conftest import user
    from doorstep.hall.services.windows import ticket_call_next, window_open
    from doorstep.hall.tests.helpers import clerk, walk_in, windows

    walk_in(now=timezone.now())
    window_open(actor=clerk(), window_id=windows()[0].pk)
    ticket_call_next(actor=clerk())
    client.force_login(user("clerk_c001002"))
    page = client.get("/hall/window/").content.decode()
    assert "未开放，开窗后才会叫到" in page
