"""Periodic work of the hall (huey): releasing slots, marking missed bookings, sending reminders."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/5"))
def hall_housekeeping():
    """Every five minutes: release the slots whose release time has come (services.slots.slots_release_all), mark
    bookings whose time passed without a check-in as missed (booking.bookings_mark_no_show), and send the reminders
    due (reminders.booking_reminders_send). Each step is safe to run twice at once."""
    from doorstep.hall.services.booking import bookings_mark_no_show
    from doorstep.hall.services.reminders import booking_reminders_send
    from doorstep.hall.services.slots import slots_release_all

    return {"slots": slots_release_all(), "no_shows": bookings_mark_no_show(), "reminders": booking_reminders_send()}


@db_periodic_task(crontab(hour="2", minute="40"))
def hall_wait_calibration():
    """Nightly: measure how far the wait estimates shown to residents were off over the last 90 days, per center
    and for the district, and keep the range factors for tomorrow (figures.estimates.wait_calibrate)."""
    from doorstep.hall.figures.estimates import wait_calibrate

    return len(wait_calibrate())
