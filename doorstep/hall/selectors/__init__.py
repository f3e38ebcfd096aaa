"""Every read of the hall that pages, the board and the API need, one module per audience: queue (a ticket's place
and wait range), staff (the desk and the window), resident (booking on the phone, my bookings and tickets)."""
