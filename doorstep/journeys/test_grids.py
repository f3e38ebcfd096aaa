"""Journey 13 of STORIES.md through the real pages: the district administrator has the grids of a street drawn
again, reviews the quality report (current and proposed figures side by side) and the two maps (current and
proposed, coloured by size, with the communities' boundaries and names), opens a grid's figures (its name,
community and households), reads which buildings move between which grids, applies the proposal, and can undo it."""

import pytest

from doorstep.org.models import OrgNode
from doorstep.partition.models import GridProposal
from doorstep.registry.models import Building

from .test_clerk_reveal import login

pytestmark = pytest.mark.browser


def test_journey_13_grids_redrawn_reviewed_applied_and_undone(world, desk_page):
    page = desk_page
    login(page, "admin")
    page.goto("/grids/")
    page.select_option("#scope", "430302001")
    page.fill("#target", "100")  # the demo drew this street for 120 households a grid: some buildings move
    page.click("[data-testid=grids-propose]")
    page.wait_for_selector("[data-testid=quality-report]")
    assert page.text_content("[data-testid=gaps]").startswith("0.0 / 0.0")
    # the current grids are measured as the proposal is: contiguity and compactness, not empty cells
    assert page.text_content("[data-testid=current-connected]").strip()[0] in "是否"
    mean, worst = (float(x) for x in page.text_content("[data-testid=current-compactness]").split(" / "))
    assert 0 < worst <= mean <= 1
    communities = set(OrgNode.objects.filter(level="community", code__startswith="430302001")
                      .values_list("name", flat=True))
    # both maps drawn from GeoJSON, no tiles; clicking a proposed grid shows its figures
    page.wait_for_selector("#map-current[data-ready='1']")
    page.wait_for_selector("#map-proposed[data-ready='1']")
    for side in ("current", "proposed"):  # each community's outline carries its name on both maps
        labels = page.locator(f"#map-{side} .community-label").all_text_contents()
        assert set(labels) == communities
    page.locator("#map-proposed path.leaflet-interactive").first.click(force=True)
    popup = page.wait_for_selector(".leaflet-popup-content").text_content()
    assert "户数" in popup and "连片" in popup and "社区：" in popup
    assert ":" not in popup.split("编码")[0] and "网格" in popup.split("编码")[0]  # a name, not the internal key
    proposal = GridProposal.objects.latest("id")
    # the buildings that move, by name and household count, between grids by name
    moves = page.text_content("[data-testid=moves]")
    moving = [b for g in proposal.grids for b in g["building_ids"] if proposal.before[str(b)] != g["code"]]
    first = Building.objects.get(pk=min(moving))
    assert f"{first.name}（{first.households.count()}户）" in moves
    assert OrgNode.objects.get(code=first.path).name in moves
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
