"""The residents' hall pages (issue #14 items 1, 2 and 6): booking (also 代为预约 and 为老人预约), one booking with
cancel and reschedule, 我的预约 with today's tickets, and the public page behind a ticket slip's QR code. The booking
page's path is the link every booking notification carries (/hall/bookings/<id>/)."""

from django.urls import path

from doorstep.hall import views_book, views_mine

urlpatterns = [
    path("book/", views_book.book, name="book"),
    path("bookings/<int:booking_id>/", views_mine.booking, name="booking"),
    path("bookings/<int:booking_id>/cancel/", views_mine.cancel, name="booking-cancel"),
    path("bookings/<int:booking_id>/reschedule/", views_book.reschedule, name="booking-reschedule"),
    path("mine/", views_mine.mine, name="mine"),
    path("q/<str:token>/", views_mine.ticket_public, name="ticket-public"),
]
