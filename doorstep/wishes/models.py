"""The community's data (issue #15): volunteers and in-service party members registered with a community, its
policy, micro-wishes with their claims and history, pairings with households and their visits, activities and
service posts with sign-ups, and the service-hours ledger. Data only; the rules that keep it honest are constraints
in the database (a wish never has more claims than places, an activity never more sign-ups than places, one active
claim or sign-up per volunteer, one ledger row per confirmed sign-up, hours only for a confirmed sign-up); writes go
through services/.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from doorstep.core.lookups import literal_in_q
from doorstep.wishes.workflow import (
    ACTIVE_SIGNUP_STATES,
    REGISTRATION_STATE_CONTEXT,
    REGISTRATION_STATE_LABELS,
    SIGNUP_STATE_CONTEXT,
    SIGNUP_STATE_LABELS,
    WISH_ACTION_CONTEXT,
    WISH_ACTION_LABELS,
    WISH_STATE_CONTEXT,
    WISH_STATE_LABELS,
    RegistrationState,
    SignupState,
    WishAction,
    WishState,
)


def _choices(enum, labels, context):
    return [(s.value, pgettext_lazy(context, labels[s])) for s in enum]


class CommunityPolicy(models.Model):
    """A community's rules for wishes and volunteers (data, kept in the admin; a community without a row uses the
    defaults below). Source: issue #15 item 2 (a value limit, expiry, a cap on open claims)."""

    community = models.OneToOneField("org.OrgNode", on_delete=models.CASCADE, related_name="wish_policy",
                                     verbose_name=_("社区"))
    value_limit_yuan = models.PositiveIntegerField(_("心愿价值上限（元）"), default=500)
    publish_days = models.PositiveSmallIntegerField(_("发布有效期（天）"), default=30)
    republish_limit = models.PositiveSmallIntegerField(_("可重新发布次数"), default=1)
    open_claims_cap = models.PositiveSmallIntegerField(_("每人同时认领上限"), default=3)
    checkin_early_minutes = models.PositiveSmallIntegerField(_("提前签到（分钟）"), default=30)

    class Meta:
        verbose_name = _("社区志愿服务规则")
        verbose_name_plural = _("社区志愿服务规则")

    def __str__(self) -> str:
        return str(self.community)


class Kind(models.TextChoices):
    PARTY_MEMBER = "party_member", _("在职党员")
    VOLUNTEER = "volunteer", _("志愿者")


class Offer(models.TextChoices):
    """三认: what a member offers the community (认领服务岗位, 认捐公益项目, 认交困难朋友)."""

    SERVICE_POST = "service_post", _("认领服务岗位")
    DONATION = "donation", _("认捐公益项目")
    PAIRING = "pairing", _("认交困难朋友")


class Availability(models.TextChoices):
    WEEKDAY_EVENING = "weekday_evening", _("工作日晚上")
    WEEKEND = "weekend", _("周末")
    HOLIDAY = "holiday", _("节假日")
    ANY_TIME = "any_time", _("时间灵活")


class Volunteer(models.Model):
    """A volunteer or in-service party member registered with one community (在职党员到社区报到). Identified to
    others by `number` (MZ/T 061-2015: a volunteer number, never the ID number), given when the community confirms.
    The phone is kept encrypted with a blind index and shown masked to everyone but the community's staff, who
    reveal it with a reason (audited)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer")
    community = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="volunteers",
                                  verbose_name=_("报到社区"))
    number = models.CharField(_("志愿者编号"), max_length=20, unique=True, null=True, blank=True)
    kind = models.CharField(_("身份"), max_length=15, choices=Kind.choices, default=Kind.VOLUNTEER)
    name = models.CharField(_("姓名"), max_length=50)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    skills = models.JSONField(_("技能特长"), default=list, blank=True)
    offers = models.JSONField(_("三认承诺"), default=list, blank=True)
    availability = models.JSONField(_("可服务时间"), default=list, blank=True)
    phone_enc = models.BinaryField(_("联系电话（密文）"))
    phone_index = models.CharField(_("联系电话索引"), max_length=32)
    phone_masked = models.CharField(_("联系电话"), max_length=20)
    state = models.CharField(_("状态"), max_length=10, default=RegistrationState.APPLIED,
                             choices=_choices(RegistrationState, REGISTRATION_STATE_LABELS,
                                              REGISTRATION_STATE_CONTEXT))
    state_reason = models.CharField(_("原因"), max_length=300, blank=True)
    applied_at = models.DateTimeField(_("报到时间"))
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        indexes = [models.Index(fields=["community", "state", "name"], name="volunteer_roster"),
                   models.Index(fields=["phone_index"], name="volunteer_phone_index")]
        constraints = [
            models.CheckConstraint(name="volunteer_state_valid", condition=literal_in_q("state", RegistrationState)),
            models.CheckConstraint(name="volunteer_active_has_number",
                                   condition=~Q(state="active") | Q(number__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number or '—'}）"


class VolunteerCounter(models.Model):
    """The last volunteer number given out per community (V + 12-digit community code + 4-digit sequence)."""

    community = models.OneToOneField("org.OrgNode", on_delete=models.CASCADE, related_name="+")
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.community_id}: {self.last}"


class WishNumberCounter(models.Model):
    """The last wish number given out per district and day (W + district code + date + 5 digits; core.daily_numbers)."""

    district = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "day"], name="wishnumbercounter_unique")]

    def __str__(self) -> str:
        return f"{self.district} {self.day} {self.last}"


class WishCategory(models.TextChoices):
    GOODS = "goods", _("物品")
    SERVICE = "service", _("服务")
    COMPANY = "company", _("陪伴")


class WishSource(models.TextChoices):
    VISIT = "visit", _("网格员走访收集")
    RESIDENT = "resident", _("居民提出")
    COMMUNITY = "community", _("社区登记")


class Wish(models.Model):
    """A resident's micro-wish (微心愿). `path` is the household's grid code (scope: the grid worker's grid, the
    community's subtree). The wall shows `beneficiary_masked` (丁**) and never the household or address.
    `places` is 1 for a one-person wish and more for a group wish; `claimed` counts active claims and the database
    keeps it within places."""

    number = models.CharField(_("心愿编号"), max_length=24, unique=True)
    community = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="wishes",
                                  verbose_name=_("社区"))
    path = models.CharField(_("网格编码"), max_length=15)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="wishes",
                                  verbose_name=_("家庭"))
    beneficiary = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="wishes",
                                    verbose_name=_("心愿人"))
    beneficiary_masked = models.CharField(_("心愿人"), max_length=20)
    title = models.CharField(_("心愿"), max_length=60)
    description = models.TextField(_("说明"), max_length=500, blank=True)
    category = models.CharField(_("类别"), max_length=10, choices=WishCategory.choices, default=WishCategory.GOODS)
    value_yuan = models.PositiveIntegerField(_("估价（元）"), default=0)
    places = models.PositiveSmallIntegerField(_("认领名额"), default=1)
    claimed = models.PositiveSmallIntegerField(_("已认领"), default=0)
    source = models.CharField(_("来源"), max_length=10, choices=WishSource.choices)
    state = models.CharField(_("状态"), max_length=10, default=WishState.POSTED,
                             choices=_choices(WishState, WISH_STATE_LABELS, WISH_STATE_CONTEXT))
    state_reason = models.CharField(_("原因"), max_length=300, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(_("登记时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    republished = models.PositiveSmallIntegerField(_("重新发布次数"), default=0)
    fulfilled_at = models.DateTimeField(_("圆梦时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    story_consent = models.BooleanField(_("同意公开圆梦故事"), default=False)
    story = models.TextField(_("圆梦故事"), max_length=1000, blank=True)
    story_published_at = models.DateTimeField(_("故事发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        indexes = [
            models.Index(fields=["state", "community", "published_at"], name="wish_wall"),
            models.Index(fields=["path", "state"], name="wish_path_state"),
            models.Index(fields=["state", "expires_at"], name="wish_expiry"),
            models.Index(fields=["beneficiary", "state"], name="wish_beneficiary"),
        ]
        constraints = [
            models.CheckConstraint(name="wish_state_valid", condition=literal_in_q("state", WishState)),
            models.CheckConstraint(name="wish_claims_within_places", condition=Q(claimed__lte=F("places"))),
            models.CheckConstraint(name="wish_has_places", condition=Q(places__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def places_left(self) -> int:
        return max(self.places - self.claimed, 0)


class ClaimState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("claim state", "认领中")
    FULFILLED = "fulfilled", pgettext_lazy("claim state", "已圆梦")
    RELEASED = "released", pgettext_lazy("claim state", "已放弃")
    CANCELLED = "cancelled", pgettext_lazy("claim state", "心愿已关闭")


# A claim that holds a place and counts against the volunteer's cap on open claims.
OPEN_CLAIM_STATES = (ClaimState.ACTIVE,)


class WishClaim(models.Model):
    """A volunteer's claim (认领) of one place of a wish. `group_name` names the group a volunteer claims for (a
    party branch, a company's volunteers) when the wish needs several people."""

    wish = models.ForeignKey(Wish, on_delete=models.PROTECT, related_name="claims")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="claims")
    group_name = models.CharField(_("认领团队"), max_length=60, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=ClaimState.choices, default=ClaimState.ACTIVE)
    claimed_at = models.DateTimeField(_("认领时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("心愿认领")
        verbose_name_plural = _("心愿认领")
        indexes = [models.Index(fields=["volunteer", "state"], name="claim_volunteer_state")]
        constraints = [
            models.UniqueConstraint(fields=["wish", "volunteer"], name="claim_one_active_per_volunteer",
                                    condition=Q(state="active")),
            models.CheckConstraint(name="claim_state_valid", condition=literal_in_q("state", ClaimState)),
        ]

    def __str__(self) -> str:
        return f"{self.wish_id}/{self.volunteer_id}"


class WishPhoto(models.Model):
    """The photo a claimant gives at fulfilment, stored re-encoded without EXIF (incidents.photos.clean_photo)."""

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="wishes/%Y/%m/")
    content_type = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("圆梦照片")
        verbose_name_plural = _("圆梦照片")

    def __str__(self) -> str:
        return f"{self.wish_id}/{self.sha256[:8]}"


class WishEvent(models.Model):
    """One move of a wish (who, when, from, to, note): the wish's history, written with its audit event."""

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=15, choices=_choices(WishAction, WISH_ACTION_LABELS, WISH_ACTION_CONTEXT))
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["wish", "at"], name="wishevent_wish_at")]

    def __str__(self) -> str:
        return f"{self.wish_id} {self.action}"


class Pairing(models.Model):
    """结对帮扶: a volunteer's ongoing help for a household, often grown from a claim. Visible to the community's
    staff and the household's grid worker; the volunteer sees the household by its masked head's name only."""

    class State(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("pairing state", "帮扶中")
        ENDED = "ended", pgettext_lazy("pairing state", "已结束")

    community = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="pairings")
    path = models.CharField(_("网格编码"), max_length=15)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="pairings")
    household_masked = models.CharField(_("帮扶家庭"), max_length=30)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="pairings")
    wish = models.ForeignKey(Wish, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairings")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ACTIVE)
    started_at = models.DateTimeField(_("结对时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_reason = models.CharField(_("结束原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("结对帮扶")
        verbose_name_plural = _("结对帮扶")
        indexes = [models.Index(fields=["path", "state"], name="pairing_path_state")]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "household"], name="pairing_one_active",
                                    condition=Q(state="active")),
        ]

    def __str__(self) -> str:
        return f"{self.household_masked} — {self.volunteer}"


class PairingVisit(models.Model):
    """One visit of a pairing: when, who, what was done, needs found (the grid worker reads the needs)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("走访日期"))
    visitor = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="+")
    done = models.CharField(_("帮扶内容"), max_length=500)
    needs = models.CharField(_("发现需求"), max_length=500, blank=True)
    logged_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("帮扶走访")
        verbose_name_plural = _("帮扶走访")
        indexes = [models.Index(fields=["pairing", "visited_on"], name="visit_pairing_day")]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.visited_on}"


class Activity(models.Model):
    """An activity (志愿活动) or a service post (服务岗位, 认领服务岗位) the community posts, with its place, time and
    places. `signed_up` counts active sign-ups and the database keeps it within places. `checkin_token` is what the
    QR code at the place carries; scanning it signs a volunteer in, from `checkin_early_minutes` before the start to
    the end."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("志愿活动")
        SERVICE_POST = "service_post", _("服务岗位")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("activity state", "报名中")
        CANCELLED = "cancelled", pgettext_lazy("activity state", "已取消")

    community = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="activities",
                                  verbose_name=_("社区"))
    kind = models.CharField(_("类型"), max_length=15, choices=Kind.choices, default=Kind.ACTIVITY)
    title = models.CharField(_("名称"), max_length=60)
    description = models.TextField(_("内容"), max_length=1000, blank=True)
    place = models.CharField(_("地点"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    places = models.PositiveSmallIntegerField(_("名额"))
    signed_up = models.PositiveSmallIntegerField(_("已报名"), default=0)
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("负责人"))
    checkin_token = models.CharField(max_length=32, unique=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    wish = models.ForeignKey(Wish, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities",
                             verbose_name=_("圆梦心愿"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        indexes = [models.Index(fields=["community", "starts_at"], name="activity_community_start"),
                   models.Index(fields=["state", "starts_at"], name="activity_state_start")]
        constraints = [
            models.CheckConstraint(name="activity_signups_within_places", condition=Q(signed_up__lte=F("places"))),
            models.CheckConstraint(name="activity_has_places", condition=Q(places__gte=1)),
            models.CheckConstraint(name="activity_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def places_left(self) -> int:
        return max(self.places - self.signed_up, 0)

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class Signup(models.Model):
    """A volunteer's sign-up for an activity. Hours come only from a check-in by the place's QR code
    (`checked_in_at`) and the coordinator's confirmation (`minutes`, at most the activity's length): the database
    refuses minutes on any other state."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    state = models.CharField(_("状态"), max_length=12, default=SignupState.SIGNED_UP,
                             choices=_choices(SignupState, SIGNUP_STATE_LABELS, SIGNUP_STATE_CONTEXT))
    signed_up_at = models.DateTimeField(_("报名时间"))
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("确认时长（分钟）"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        indexes = [models.Index(fields=["volunteer", "state"], name="signup_volunteer_state")]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_one_active_per_volunteer",
                                    condition=literal_in_q("state", ACTIVE_SIGNUP_STATES)),
            models.CheckConstraint(name="signup_state_valid", condition=literal_in_q("state", SignupState)),
            models.CheckConstraint(
                name="signup_minutes_only_when_confirmed",
                condition=(Q(state="confirmed", minutes__isnull=False, checked_in_at__isnull=False,
                             confirmed_by__isnull=False)
                           | (~Q(state="confirmed") & Q(minutes__isnull=True)))),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}/{self.volunteer_id}"


class HoursEntry(models.Model):
    """The service-hours ledger (志愿服务记录): one row per confirmed sign-up, never edited or deleted; a correction
    is a new row with negative minutes and its reason. A volunteer's hours are the sum of their rows."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="hours", verbose_name=_("志愿者"))
    signup = models.OneToOneField(Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="entry")
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="hours", verbose_name=_("志愿活动"))
    served_on = models.DateField(_("服务日期"))
    minutes = models.IntegerField(_("时长（分钟）"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("服务时长记录")
        verbose_name_plural = _("服务时长记录")
        indexes = [models.Index(fields=["volunteer", "served_on"], name="hours_volunteer_day")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.served_on} {self.minutes}"
