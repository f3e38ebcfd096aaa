"""The service hall's data: each center's hall policy, appointment slots with their capacity, bookings, queue tickets
and their events, the windows' staffing sessions, priority rules and the ticket number counters. Data only; the
rules that keep it honest are constraints in the database (a slot never holds more than its capacity, one active
booking per person per item per day, one ticket at a window, one window per person); writes go through services/.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doorstep.core.lookups import literal_in_q
from doorstep.hall.workflow import (
    ACTIVE_BOOKING_STATES,
    AT_WINDOW_STATES,
    BOOKING_STATE_CONTEXT,
    BOOKING_STATE_LABELS,
    TICKET_ACTION_LABELS,
    TICKET_STATE_CONTEXT,
    TICKET_STATE_LABELS,
    BookingState,
    TicketAction,
    TicketState,
)


class HallPolicy(models.Model):
    """How a center's hall runs: its slots, their release, the no-show rule, calling and the wait target. One row per
    center; a center without one runs on the defaults below (services.policy.policy_for). Sources: issue #14 (slots
    released N days ahead at a set time, 3 no-shows in 30 days → 7 days without booking, 80% served within 15 min)."""

    center = models.OneToOneField("org.ServiceCenter", on_delete=models.CASCADE, related_name="hall_policy",
                                  verbose_name=_("服务中心"))
    slot_minutes = models.PositiveSmallIntegerField(_("每个时段（分钟）"), default=30)
    slot_capacity = models.PositiveSmallIntegerField(_("每个时段可约人数（通用）"), default=4)
    release_days = models.PositiveSmallIntegerField(_("提前放号天数"), default=7)
    release_time = models.TimeField(_("每日放号时间"), default=datetime.time(8, 0))
    no_show_limit = models.PositiveSmallIntegerField(_("爽约次数上限"), default=3)
    no_show_window_days = models.PositiveSmallIntegerField(_("爽约统计天数"), default=30)
    no_show_block_days = models.PositiveSmallIntegerField(_("爽约后暂停预约天数"), default=7)
    recalls_before_skip = models.PositiveSmallIntegerField(_("过号前重呼次数"), default=2)
    on_time_early_minutes = models.PositiveSmallIntegerField(_("准时签到：可提前（分钟）"), default=30)
    on_time_late_minutes = models.PositiveSmallIntegerField(_("准时签到：可迟到（分钟）"), default=15)
    remind_day_before_at = models.TimeField(_("前一日提醒时刻"), default=datetime.time(16, 0))
    remind_minutes = models.PositiveSmallIntegerField(_("到时前提醒（分钟）"), default=30)
    wait_target_minutes = models.PositiveSmallIntegerField(_("等候目标（分钟）"), default=15)
    target_share = models.PositiveSmallIntegerField(_("目标达成比例（%）"), default=80)

    class Meta:
        verbose_name = _("大厅规则")
        verbose_name_plural = _("大厅规则")
        constraints = [
            models.CheckConstraint(name="hallpolicy_slot_minutes", condition=Q(slot_minutes__gte=5,
                                                                               slot_minutes__lte=240)),
            models.CheckConstraint(name="hallpolicy_target_share", condition=Q(target_share__gte=1,
                                                                               target_share__lte=100)),
        ]

    def __str__(self) -> str:
        return str(self.center_id)


class GroupCapacity(models.Model):
    """Capacity per slot reserved for one item group (an item category such as 社保): bookings of its items take
    these places, not the general ones (专窗预约)."""

    center = models.ForeignKey("org.ServiceCenter", on_delete=models.CASCADE, related_name="group_capacities",
                               verbose_name=_("服务中心"))
    category = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("事项类别"))
    per_slot = models.PositiveSmallIntegerField(_("每个时段可约人数"))

    class Meta:
        verbose_name = _("分类预约容量")
        verbose_name_plural = _("分类预约容量")
        constraints = [models.UniqueConstraint(fields=["center", "category"], name="groupcapacity_unique")]

    def __str__(self) -> str:
        return f"{self.center_id} {self.category_id} {self.per_slot}"


class Slot(models.Model):
    """One bookable period (时段) of a center for one pool: the general pool ('') or an item category's code. The
    database refuses `booked` above `capacity`; booking adds one by a conditional UPDATE (services.booking)."""

    center = models.ForeignKey("org.ServiceCenter", on_delete=models.CASCADE, related_name="slots",
                               verbose_name=_("服务中心"))
    day = models.DateField(_("日期"))
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    pool = models.CharField(_("号源"), max_length=20, blank=True, default="")  # '' general, else a category code
    capacity = models.PositiveSmallIntegerField(_("可约人数"))
    booked = models.PositiveSmallIntegerField(_("已约人数"), default=0)

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        ordering = ["center", "starts_at", "pool"]
        constraints = [
            models.UniqueConstraint(fields=["center", "starts_at", "pool"], name="slot_unique_start_pool"),
            models.CheckConstraint(name="slot_never_oversold", condition=Q(booked__lte=models.F("capacity"))),
            models.CheckConstraint(name="slot_starts_before_ends", condition=Q(starts_at__lt=models.F("ends_at"))),
        ]
        indexes = [models.Index(fields=["center", "day", "pool", "starts_at"], name="slot_center_day")]

    def __str__(self) -> str:
        return f"{self.center_id} {self.starts_at:%Y-%m-%d %H:%M} {self.pool}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class Channel(models.TextChoices):
    RESIDENT = "resident", _("居民自助预约")
    STAFF = "staff", _("工作人员代约")
    GRID = "grid", _("网格员代约")


BOOKING_STATE_CHOICES = [(s.value, pgettext_lazy(BOOKING_STATE_CONTEXT, BOOKING_STATE_LABELS[s])) for s in BookingState]


class Booking(models.Model):
    """An appointment (预约) of one resident for one item at one center, holding one or more consecutive slots (a long
    item takes several) until it is checked in, cancelled or missed. `code` is what the resident shows at arrival
    (typed or as a QR code): eight digits, random, never a database id."""

    code = models.CharField(_("预约码"), max_length=8, unique=True)
    center = models.ForeignKey("org.ServiceCenter", on_delete=models.PROTECT, related_name="bookings",
                               verbose_name=_("服务中心"))
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="bookings",
                             verbose_name=_("事项"))
    applicant = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="bookings",
                                  verbose_name=_("预约人"))
    applicant_path = models.CharField(_("预约人网格编码"), max_length=15)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("预约操作人"))
    channel = models.CharField(_("预约渠道"), max_length=10, choices=Channel.choices)
    day = models.DateField(_("预约日期"))
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    pool = models.CharField(_("号源"), max_length=20, blank=True, default="")
    slots = models.ManyToManyField(Slot, related_name="bookings", verbose_name=_("占用时段"))
    state = models.CharField(_("状态"), max_length=10, choices=BOOKING_STATE_CHOICES, default=BookingState.BOOKED)
    created_at = models.DateTimeField(_("预约时间"))
    changed_at = models.DateTimeField(_("状态变更时间"))
    reschedules = models.PositiveSmallIntegerField(_("改约次数"), default=0)
    reminded_day_before_at = models.DateTimeField(_("前一日提醒时间"), null=True, blank=True)
    reminded_soon_at = models.DateTimeField(_("临近提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["applicant", "item", "day"], name="booking_one_active_per_item_day",
                                    condition=literal_in_q("state", ACTIVE_BOOKING_STATES)),
            models.CheckConstraint(name="booking_state_valid", condition=literal_in_q("state", BookingState)),
        ]
        indexes = [
            models.Index(fields=["center", "day", "state"], name="booking_center_day"),
            models.Index(fields=["applicant", "state", "day"], name="booking_applicant"),
            models.Index(fields=["state", "starts_at"], name="booking_state_start"),
        ]

    def __str__(self) -> str:
        return self.code


class BookingEvent(models.Model):
    """A booking's history: booked, rescheduled (from → to), cancelled, checked in, missed."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.action}"


class PriorityRule(models.Model):
    """Who is called first (优先): a rule as data. Lower rank is called first; within a rank, first come first served
    (by the time the ticket joined the queue). Bases: the resident's age, a registered disability, a declaration at
    the desk (pregnant, carrying an infant …), an on-time booking, and the standard walk-in."""

    class Basis(models.TextChoices):
        AGE = "age", _("年龄")
        DISABLED = "disabled", _("残疾人")
        DECLARED = "declared", _("现场申报")
        ON_TIME_BOOKING = "on_time_booking", _("准时到达的预约")
        STANDARD = "standard", _("普通")

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    basis = models.CharField(_("依据"), max_length=16, choices=Basis.choices)
    rank = models.PositiveSmallIntegerField(_("优先级（越小越先）"))
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("优先规则")
        verbose_name_plural = _("优先规则")
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language: the seeded rules' names have catalog entries (migration 0002); a name
        an administrator typed shows as typed."""
        from django.utils.translation import gettext

        return gettext(self.name)


class TicketCounter(models.Model):
    """The last ticket number given out per center, day (Beijing time) and prefix (A001 …)."""

    center = models.ForeignKey("org.ServiceCenter", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    prefix = models.CharField(max_length=2)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["center", "day", "prefix"], name="ticketcounter_unique")]

    def __str__(self) -> str:
        return f"{self.center_id} {self.day} {self.prefix}{self.last}"


TICKET_STATE_CHOICES = [(s.value, pgettext_lazy(TICKET_STATE_CONTEXT, TICKET_STATE_LABELS[s])) for s in TicketState]


class Ticket(models.Model):
    """A queue ticket (排队号) taken at arrival — for a booking or as a walk-in — and called to a window. Its number is
    per center and day (A001 …, Y001 for booked arrivals); the queue order is (priority rank, queued_at, id): first
    come first served within a class. `window` is the window it is called to or served at; `target_window` a window
    it was transferred to by name."""

    center = models.ForeignKey("org.ServiceCenter", on_delete=models.PROTECT, related_name="tickets",
                               verbose_name=_("服务中心"))
    day = models.DateField(_("日期"))
    prefix = models.CharField(_("号段"), max_length=2)
    seq = models.PositiveIntegerField(_("序号"))
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="ticket",
                                   verbose_name=_("预约"))
    item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("事项"))
    # the item group it is for (the item's category code; '' unknown): dedicated windows call their groups only
    pool = models.CharField(_("业务类别"), max_length=20, blank=True, default="")
    applicant = models.ForeignKey("registry.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="tickets", verbose_name=_("办事人"))
    priority_rank = models.PositiveSmallIntegerField(_("优先级"))
    priority_rule = models.ForeignKey(PriorityRule, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("优先规则"))
    state = models.CharField(_("状态"), max_length=10, choices=TICKET_STATE_CHOICES, default=TicketState.WAITING)
    window = models.ForeignKey("org.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets",
                               verbose_name=_("窗口"))
    target_window = models.ForeignKey("org.Window", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("指定窗口"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("取号操作人"))
    issued_at = models.DateTimeField(_("取号时间"))
    queued_at = models.DateTimeField(_("排队时间"))
    # the first call: the wait ends there, whatever recalls and transfers follow (hall.figures)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("重呼次数"), default=0)
    transfers = models.PositiveSmallIntegerField(_("转移次数"), default=0)
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("办理人"))
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
                             verbose_name=_("办件"))

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["day", "priority_rank", "queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["center", "day", "prefix", "seq"], name="ticket_unique_number"),
            # a window has at most one person called to it or at it
            models.UniqueConstraint(fields=["window"], name="ticket_one_at_window",
                                    condition=literal_in_q("state", AT_WINDOW_STATES)),
            models.CheckConstraint(name="ticket_state_valid", condition=literal_in_q("state", TicketState)),
            models.CheckConstraint(name="ticket_window_when_called",
                                   condition=~literal_in_q("state", AT_WINDOW_STATES) | Q(window__isnull=False)),
        ]
        indexes = [
            # call-next: the waiting tickets of a center's day in queue order
            models.Index(fields=["center", "day", "state", "priority_rank", "queued_at", "id"], name="ticket_queue"),
            models.Index(fields=["day", "center"], name="ticket_day_center"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """What people read and hear: prefix and three digits (A023), more when a day passes 999."""
        return f"{self.prefix}{self.seq:03d}"


TICKET_ACTION_CHOICES = [(a.value, pgettext_lazy("ticket action", TICKET_ACTION_LABELS[a])) for a in TicketAction]


class TicketEvent(models.Model):
    """A ticket's history, and the display board's feed: every call and recall, in the order they were made (the
    board reads the events of its center after the last id it showed)."""

    center = models.ForeignKey("org.ServiceCenter", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=10, choices=TICKET_ACTION_CHOICES)
    window = models.ForeignKey("org.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["center", "id"], name="ticketevent_center")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class WindowSession(models.Model):
    """A staff member at a window, from opening it to closing it, with pauses (暂停服务) and their reasons. One open
    session per window and per person: a clerk cannot hold two windows at once."""

    window = models.ForeignKey("org.Window", on_delete=models.CASCADE, related_name="sessions",
                               verbose_name=_("窗口"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="window_sessions",
                             verbose_name=_("工作人员"))
    opened_at = models.DateTimeField(_("开窗时间"))
    closed_at = models.DateTimeField(_("关窗时间"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    pause_reason = models.CharField(_("暂停原因"), max_length=100, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停（秒）"), default=0)

    class Meta:
        verbose_name = _("窗口值守")
        verbose_name_plural = _("窗口值守")
        constraints = [
            models.UniqueConstraint(fields=["window"], name="windowsession_one_per_window",
                                    condition=Q(closed_at__isnull=True)),
            models.UniqueConstraint(fields=["user"], name="windowsession_one_per_person",
                                    condition=Q(closed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.window_id} {self.user_id}"


class WaitCalibration(models.Model):
    """How far the wait estimate shown to residents is off, measured on a center's history (hall.figures.estimates,
    nightly): the 10th and 90th percentile of actual ÷ estimated wait (the range shown is the estimate times these),
    and on the newest third of the history, held out from fitting: the 80th-percentile absolute error and the share
    of actual waits inside the range. `center` is null for the whole district (used where a center has too little
    history)."""

    center = models.ForeignKey("org.ServiceCenter", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    measured_at = models.DateTimeField(_("测算时间"))
    first_day = models.DateField(_("起始日期"))
    last_day = models.DateField(_("截止日期"))
    tickets = models.PositiveIntegerField(_("样本数"))
    low = models.FloatField(_("区间下限系数"))
    high = models.FloatField(_("区间上限系数"))
    p80_error_minutes = models.FloatField(_("误差（第80百分位，分钟）"))
    coverage = models.FloatField(_("落入区间比例"))

    class Meta:
        verbose_name = _("等候时间预估校准")
        verbose_name_plural = _("等候时间预估校准")
        indexes = [models.Index(fields=["center", "measured_at"], name="waitcalibration_center")]

    def __str__(self) -> str:
        return f"{self.center_id} {self.low:.2f}–{self.high:.2f}"
