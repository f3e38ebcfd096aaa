"""Every write on incidents, one module per use case (Zulip's zerver/actions): intake (reports from every channel),
center (the command center's steps), handling (departments, grid workers, supervisors, reporters), supervision
(clocks, escalation, extensions) and categories (import and export)."""
