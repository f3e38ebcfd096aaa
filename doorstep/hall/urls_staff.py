"""The hall's staff pages under /hall/ (namespace "hall"): the arrival desk and its printed ticket, the window
console, and the display board with its feed (public: numbers only)."""

from django.urls import path

from doorstep.hall import views_board, views_desk, views_window

urlpatterns = [
    path("desk/", views_desk.desk, name="desk"),
    path("desk/check-in/", views_desk.desk_check_in, name="desk-check-in"),
    path("desk/walk-in/", views_desk.desk_walk_in, name="desk-walk-in"),
    path("desk/tickets/<str:ticket_id>/slip/", views_desk.ticket_slip, name="ticket-slip"),
    path("window/", views_window.console, name="window"),
    path("window/act/", views_window.window_act, name="window-act"),
    path("board/<str:center_id>/", views_board.board, name="board"),
    path("board/<str:center_id>/feed", views_board.board_feed, name="board-feed"),
]
