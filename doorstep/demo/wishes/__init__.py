"""The community's demo year (issue #15, item 6): 西苑社区's roster of 113 in-service party members with the story
volunteers, volunteers in every other community, a year of micro-wishes with their claims and history, pairings
with their monthly visits, activities and service posts with sign-ups and the service-hours ledger — consistent with
the wishes app's state machines and constraints, and the same for a seed.

The parts: texts.py (what the year says), reference.py (what it reads from the district), roster.py (the rosters),
wishes.py (the wishes, claims and pairings), activities.py (activities, sign-ups, hours), builder.py (the entry that
writes them)."""

from doorstep.demo.wishes.builder import WishesStats, build_wishes_history

__all__ = ["WishesStats", "build_wishes_history"]
