"""The service hall (办事大厅): appointment slots, bookings, queue tickets, windows calling, the display board,
wait figures and staffing advice (issue #14)."""
