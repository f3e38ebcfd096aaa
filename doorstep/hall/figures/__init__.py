"""The hall's figures (issue #14 item 7): waits and service times per center, window, item and hour against the
target (waits.py); how good the wait estimate shown to residents is, measured on history (estimates.py); staffing
advice per hour from the arrivals on record (advice_from_history.py, on hall.staffing's Erlang C and simulation)."""
