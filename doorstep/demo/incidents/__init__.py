"""A year of incidents and residents' requests for the demo district (issue #13, item 9), so the command center's
queues, the departments' workspaces, the map, the indicators and the dispatch suggestion have real work in them.

Volume. About 35,000 reports over the 365 days before today at district scale (1,100 for the tests' small world):
grid workers' reports from patrols (~60%, 事件), residents' requests from their phones (~30%, 诉求; the residents who
file them get an account), phone calls typed in by the command center (~10%). More in summer for noise, waterlogging,
barbecues and storms, fewer over the Spring Festival, grid workers' reports on working days in working hours,
residents' at any waking hour, noise complaints at night.

Texts. Put together from incident_texts: each category's own ways of saying its problem, in a grid worker's terse
wording, a resident's (sometimes in Hunan dialect, sometimes with pinyin slips), or an operator's; with places,
shops, times, durations, quantities, what they ask for; short and long; a few mention two problems. A realistic share
are sent elsewhere than the category's lead department because of what they say (noise from a shop's loudspeaker is
城管's, a burst pipe in the stairwell 物业's) — these texts are the dispatch suggestion's training and test data.

The loop. Every report goes through the same table as the services (incidents.workflow): registered or dismissed or
merged, a meeting first for meeting-tier categories, dispatched (co-departments for a whistle), accepted or
returned, extensions asked and decided, handled (some late, some unsolvable or untrue), verified on site or sent
back as rework, closed, rated by the resident or followed up by phone, some reopened, archived after the reopen
window. Each report is simulated from its moment of report and cut at now: old ones are archived, recent ones stand
in every open state, and a few recent ones are held in each open state on purpose (queues are never empty, however
early in the day the demo is built). Overdue running orders carry the marks and escalations the supervision sweep
would have given them. Staff act in working time (clocks as incidents.clock counts them); urgent reports are taken
on at any hour.

Journey 12: Auntie Zhang's 低保 stops when her daughter's salary lifts the household above the standard (the
eligibility re-check flags her household); her grid worker records the follow-up help — a job lead for her son — as
a 民政 matter handled on the spot, verified, closed and followed up.

Written in bulk like the rest of the demo (one demo.incidents audit event, not one per step); numbers continue in
IncidentNumberCounter so today's next report takes the next number. No photos: the history says so ("photos": 0),
where the services would have asked for them. Under two seconds at the small scale, about 15 at district scale.

The parts: clock.py (working time), texts.py (the reports' words), reference.py (departments, categories,
staff, buildings, the residents who report), arrivals.py (the reports as they come in), loop.py (each report's
way), orders.py (the departments' orders), journey12.py, writing.py (bulk rows, sweep marks), builder.py (the
entry that puts them together).
"""

from doorstep.demo.incidents.builder import IncidentHistoryBuilder, IncidentStats, build_incident_history
from doorstep.demo.incidents.clock import WorkClock

__all__ = ["IncidentHistoryBuilder", "IncidentStats", "WorkClock", "build_incident_history"]
