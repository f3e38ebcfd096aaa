"""A year of the service hall for the demo district (issue #14, item 8): a queue ticket for every case taken in at a
window, bookings for about a quarter of them, walk-ins who only asked something, no-shows, transfers and people who
left a long queue, the windows' sessions, and today's live hall — consistent with the case history and with the
hall's own rules, and the same for a seed.

The parts: curves.py (when people come, how long they are ready to wait), reference.py (centers, windows, clerks,
residents, the window cases), floor.py (who stood at which window when), queue.py (priority classes and issue
times the queue allows), bookings.py (slots and bookings), writing.py (bulk rows), today.py (the live hall),
builder.py (the entry that puts them together).
"""

from doorstep.demo.hall.builder import HallHistoryBuilder, HallStats, build_hall_history

__all__ = ["HallHistoryBuilder", "HallStats", "build_hall_history"]
