"""Cases (办件): one application for one item by one applicant, its history, the material hand-overs on proxy hops,
the certificate it issues, bundles (一件事) of cases applied for together, and the daily number counter."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from doorstep.cases.workflow import CLOCK_RUNNING, STATE_CONTEXT, STATE_LABELS, Action, State
from doorstep.core.lookups import literal_in_q


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口受理")
    ONLINE = "online", _("网上申请")
    PROXY = "proxy", _("代办")
    GRID = "grid", _("网格员代收")


class Delivery(models.TextChoices):
    PICKUP = "pickup", _("窗口自取")
    HOME = "home", _("网格员送达")
    POST = "post", _("邮寄")


def new_public_code() -> str:
    """An unguessable code for the certificate's verification QR."""
    return secrets.token_urlsafe(9)


# The receipt's query code (查询码) is typed by people from paper as well as read from the QR: capitals and digits
# without the look-alikes 0/O, 1/I (Crockford's idea), 10 of 32 symbols = 50 bits, printed in two groups of five.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 10


def new_query_code() -> str:
    """A case's query code: unguessable (secrets), easy to read aloud and type."""
    bits = int.from_bytes(secrets.token_bytes(7), "big") >> 6  # 50 random bits, five per symbol
    return "".join(QUERY_CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(QUERY_CODE_LENGTH))


def normalize_query_code(raw: str) -> str:
    """A typed query code as stored: full-width forms folded, spaces and dashes dropped, capitals (the alphabet has
    no 0/O or 1/I to confuse). Codes of the earlier format (mixed case, - and _) are matched as typed by the
    caller."""
    import unicodedata

    text = unicodedata.normalize("NFKC", str(raw or ""))[:40]
    return "".join(ch for ch in text.upper() if ch.isalnum())


class Bundle(models.Model):
    """A bundle matter (一件事): several items applied for at once with one set of materials; its member cases
    carry their own workflow, the bundle shows them as one."""

    number = models.CharField(_("一件事编号"), max_length=24, unique=True)
    definition = models.ForeignKey("catalog.ItemBundle", on_delete=models.PROTECT, related_name="matters")
    applicant = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="bundles")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")

    def __str__(self) -> str:
        return self.number


class Case(models.Model):
    number = models.CharField(_("办件编号"), max_length=24, unique=True)
    # no single-column index on item: case_item_id (item, id) covers it and pages the ledger sorted by item
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="cases", db_index=False)
    applicant = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="cases")
    applicant_path = models.CharField(_("申请人网格编码"), max_length=15, db_index=True)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # no single-column index on state: the composite indexes below start with it (one less index per insert)
    state = models.CharField(_("状态"), max_length=24, default=State.DRAFT,
                             choices=[(s.value, pgettext_lazy(STATE_CONTEXT, STATE_LABELS[s])) for s in State])
    review_level = models.CharField(_("当前层级"), max_length=10, default="community")
    review_node = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="cases_in_review",
                                    db_index=False)  # covered by case_node_state
    center = models.ForeignKey("org.ServiceCenter", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases")
    first_contact = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="first_contact_cases")  # 首问负责
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    due_date = models.DateField(_("承诺办结日期"), null=True, blank=True)  # indexed by case_due_id
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.CharField(_("决定理由"), max_length=300, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    public_code = models.CharField(_("查询码"), max_length=16, unique=True, default=new_query_code)
    bundle = models.ForeignKey(Bundle, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    # 补正: the clock stops on the day a supplement is requested and the due date moves by the working days paused.
    paused_on = models.DateField(_("补正开始日"), null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField(_("补正暂停工作日"), default=0)
    # 数据共享: the applicant's consent and what the registry said, kept with the case.
    consent_at = models.DateTimeField(_("同意调取共享数据时间"), null=True, blank=True)
    shared_checks = models.JSONField(_("共享数据核验"), default=list, blank=True)
    eligibility = models.JSONField(_("资格判断"), default=dict, blank=True)
    missing_materials = models.JSONField(_("缺少的材料"), default=list, blank=True)  # for the refusal notice
    delivery = models.CharField(_("送达方式"), max_length=8, choices=Delivery.choices, default=Delivery.PICKUP)
    delivery_address = models.CharField(_("送达地址"), max_length=200, blank=True)
    ready_at = models.DateTimeField(_("可领取时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="deliveries")
    sla_mark = models.CharField(_("已提醒的监察标记"), max_length=6, blank=True)  # "", "yellow", "red"
    rating_invited_at = models.DateTimeField(_("评价邀请时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        indexes = [
            models.Index(fields=["state", "due_date"], name="case_state_due"),
            models.Index(fields=["review_node", "state"], name="case_node_state"),
            models.Index(fields=["state", "concluded_at"], name="case_state_concluded"),
            # Keyset paging of the ledger (core/paging.py): each sort key followed by id, so that "the rows after
            # (value, id)" is one index range on both databases (SQLite appends the rowid to every index; PostgreSQL
            # orders equal keys by their place in the table, not by id, without the second column).
            models.Index(fields=["due_date", "id"], name="case_due_id"),
            models.Index(fields=["item", "id"], name="case_item_id"),
            models.Index(fields=["state", "id"], name="case_state_id"),
            # the ledger filtered by channel and sorted by item walks item by item: most items have no online cases,
            # and without the channel in front each of them was read whole (615 ms for the online channel)
            models.Index(fields=["channel", "item", "id"], name="case_channel_item_id"),
            # The running cases (a few thousand of 670,000) by due date: supervision and the ledger's red and yellow
            # marks, most overdue first. Queried with state__in_literal (core/lookups.py) so that SQLite uses it.
            models.Index(fields=["due_date", "id"], condition=literal_in_q("state", CLOCK_RUNNING),
                         name="case_running_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.item.name}"


DECISION_ACTIONS = ("approve", "reject")  # an approver's decisions, listed in 审批记录


class CaseHistory(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=24)
    action = models.CharField(max_length=24, choices=[(a.value, a.value) for a in Action])
    to_state = models.CharField(max_length=24)
    # looked up by actor only for an approver's own decisions (审批记录): a partial index of those, not of every row
    # (millions of history rows insert faster)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["id"]
        indexes = [models.Index(fields=["actor", "id"], condition=literal_in_q("action", DECISION_ACTIONS),
                                name="history_decisions")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_state}→{self.to_state}"


class MaterialHandover(models.Model):
    """Physical materials handed on with a proxy hop (代办): what went, from whom at which level to which node, when;
    the receiving side confirms receipt."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_node = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="+")
    to_node = models.ForeignKey("org.OrgNode", on_delete=models.PROTECT, related_name="+")
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    handed_at = models.DateTimeField(auto_now_add=True)
    materials = models.JSONField(_("移交材料"), default=list)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("材料移交")
        verbose_name_plural = _("材料移交")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_node_id}→{self.to_node_id}"


class Certificate(models.Model):
    """What a concluded case issues (证照/证明), with a code the public verify page checks."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="certificate")
    title = models.CharField(_("证照名称"), max_length=60)
    number = models.CharField(_("证照编号"), max_length=30, unique=True)
    verify_code = models.CharField(_("核验码"), max_length=16, unique=True, default=new_public_code)
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issuer_name = models.CharField(_("签发单位"), max_length=100)

    class Meta:
        verbose_name = _("证照")
        verbose_name_plural = _("证照")

    def __str__(self) -> str:
        return f"{self.title} {self.number}"


def upload_path(instance, filename: str) -> str:
    # The stored name is the content hash: nothing the applicant typed reaches the file system.
    return f"uploads/{instance.case_id}/{instance.sha256}{instance.extension}"


class CaseUpload(models.Model):
    """A file on a case: a material uploaded with an online application or photographed by the grid worker who
    collected it (代收), or the proof of a delivery (a photo, the recipient's signature). An image or a PDF, its type
    checked by content. Stored outside the static files; served only through the case's scoped view."""

    class Purpose(models.TextChoices):
        MATERIAL = "material", _("申请材料")
        DELIVERY_PHOTO = "delivery_photo", _("送达照片")
        DELIVERY_SIGNATURE = "delivery_signature", _("签收签名")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="uploads")
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices, default=Purpose.MATERIAL)
    material = models.ForeignKey("catalog.MaterialRequirement", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    original_name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(_("类型"), max_length=40)
    extension = models.CharField(max_length=6)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=upload_path)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料附件")
        verbose_name_plural = _("申请材料附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class CaseNumberCounter(models.Model):
    """The last sequence number given out per district and day; locked while a number is taken."""

    district = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "day"], name="casenumber_one_per_day")]

    def __str__(self) -> str:
        return f"{self.district} {self.day} {self.last}"


class EligibilityReview(models.Model):
    """A beneficiary whom the periodic re-check found no longer qualifying (复核): a person decides, nothing is cut
    off by the machine. One open review per case; a closed one is not raised again until the figures change."""

    class Status(models.TextChoices):
        OPEN = "open", _("待复核")
        KEPT = "kept", _("复核后继续享受")
        REFERRED = "referred", _("复核后报请停发")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="eligibility_reviews")
    applicant_path = models.CharField(_("申请人网格编码"), max_length=15, db_index=True)
    found_on = models.DateField(_("发现日期"))
    explanation = models.TextField(_("核查说明"))  # in Chinese, as read at the time (a record)
    # the same as rows, so that a page can say it in the reader's language (catalog.eligibility.explained)
    outcomes = models.JSONField(_("核查结果"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    resolution_note = models.CharField(_("复核意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("资格复核")
        verbose_name_plural = _("资格复核")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(status="open"), name="review_one_open_per_case"),
            models.CheckConstraint(name="review_resolved_together", condition=(
                models.Q(status="open", resolved_at__isnull=True, resolved_by__isnull=True)
                | (~models.Q(status="open") & models.Q(resolved_at__isnull=False, resolved_by__isnull=False)))),
        ]

    def __str__(self) -> str:
        return gettext("复核 {case} {status}").format(case=self.case_id, status=self.get_status_display())


class DeliveryProof(models.Model):
    """Who received a result and the proof (issue #11 item 6): a photo of the handing over or the recipient's
    signature, at least one of them (a database constraint). One per case, written with the deliver transition."""

    class Relation(models.TextChoices):
        SELF = "self", _("本人")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        RELATIVE = "relative", _("其他亲属")
        AGENT = "agent", _("受托代收人")

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="delivery_proof")
    recipient_name = models.CharField(_("签收人"), max_length=50)
    relation = models.CharField(_("与申请人关系"), max_length=10, choices=Relation.choices)
    photo = models.ForeignKey(CaseUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signature = models.ForeignKey(CaseUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("送达时间"))

    class Meta:
        verbose_name = _("送达凭证")
        verbose_name_plural = _("送达凭证")
        constraints = [models.CheckConstraint(
            condition=models.Q(photo__isnull=False) | models.Q(signature__isnull=False),
            name="delivery_proof_photo_or_signature")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.recipient_name}"
