"""Journey 13 of STORIES.md through the real pages: the district administrator has the grids of a street drawn
again, reviews the quality report and the two maps (current and proposed, coloured by size), opens a grid's
figures, applies the proposal, and can undo it."""

import pytest

from doorstep.partition.models import GridProposal
from doorstep.registry.models import Building

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def test_journey_13_grids_redrawn_reviewed_applied_and_undone(world, desk_page):
    page = desk_page
    login(page, "admin")
    page.goto("/grids/")
    page.select_option("#scope", "430302001")
    page.fill("#target", "120")
    page.click("[data-testid=grids-propose]")
    page.wait_for_selector("[data-testid=quality-report]")
    assert page.text_content("[data-testid=gaps]").startswith("0.0 / 0.0")
    # both maps drawn from GeoJSON, no tiles; clicking a proposed grid shows its figures
    page.wait_for_selector("#map-current[data-ready='1']")
    page.wait_for_selector("#map-proposed[data-ready='1']")
    page.locator("#map-proposed path.leaflet-interactive").first.click(force=True)
    popup = page.wait_for_selector(".leaflet-popup-content")
    assert "户数" in popup.text_content() and "连通" in popup.text_content()
    proposal = GridProposal.objects.latest("id")
    before = dict(Building.objects.filter(path__startswith="430302001").values_list("id", "path"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=proposal-apply]")
    page.wait_for_selector("[data-testid=proposal-undo]")
    assert page.text_content("[data-testid=proposal-status]") == "已实施"
    assert GridProposal.objects.get(pk=proposal.pk).status == "applied"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=proposal-undo]")
    page.wait_for_selector("text=已撤销实施，恢复到原网格。")
    assert dict(Building.objects.filter(path__startswith="430302001").values_list("id", "path")) == before
