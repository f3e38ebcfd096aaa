"""Every write of the hall, one module per use case: slots (release), booking (book, reschedule, cancel, no-shows),
arrival (check-in, walk-in tickets, numbers), windows (open, pause, call, recall, skip, transfer, serve) and
reminders. Each is one transaction that checks the authority table and the state machine, writes its history and
audit event, and notifies after commit."""
