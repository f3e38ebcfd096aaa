"""The service catalog (事项清单): items, their categories and life events, and the materials each needs."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CodedName(models.Model):
    """A small lookup table row: a code, a Chinese name, and a display order."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Category(CodedName):
    class Meta(CodedName.Meta):
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")


class LifeEvent(CodedName):
    class Meta(CodedName.Meta):
        verbose_name = _("人生事件")
        verbose_name_plural = _("人生事件")


class ApprovalLevel(models.TextChoices):
    COMMUNITY = "community", _("社区办结")
    STREET = "street", _("街道审批")
    DISTRICT = "district", _("区级审批")


class ItemKind(models.TextChoices):
    INSTANT = "instant", _("即办件")
    PROMISED = "promised", _("承诺件")


class ServiceItem(models.Model):
    code = models.CharField(_("事项编码"), max_length=20, unique=True)
    name = models.CharField(_("事项名称"), max_length=100)
    name_pinyin = models.CharField(_("名称全拼"), max_length=300, db_index=True)
    name_initials = models.CharField(_("名称首字母"), max_length=100, db_index=True)
    # what people call the item besides its name (低保申请, 准生证), "、"-separated; found by search like the name
    keywords = models.CharField(_("别名/关键词"), max_length=200, blank=True)
    keywords_pinyin = models.CharField(_("别名全拼"), max_length=800, blank=True)  # "|"-separated, one per keyword
    keywords_initials = models.CharField(_("别名首字母"), max_length=200, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items", verbose_name=_("事项类别"))
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="items", verbose_name=_("人生事件"))
    approval_level = models.CharField(_("审批层级"), max_length=10, choices=ApprovalLevel.choices)
    kind = models.CharField(_("办件类型"), max_length=10, choices=ItemKind.choices)
    promised_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"), default=0)
    fee = models.CharField(_("收费标准"), max_length=100, default="不收费")  # zh: stored default (catalog data)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("办理条件"), blank=True)
    # what the applicant receives (a certificate, a benefit paid monthly, a decision letter …): printed on the
    # one-time notice, the receipt and the decision letter (issue #11 item 3)
    result = models.TextField(_("办理结果"), blank=True)
    eligibility_rules = models.JSONField(_("资格规则"), default=list, blank=True)
    form_fields = models.JSONField(_("申请表字段"), default=list, blank=True)
    certificate = models.CharField(_("办理结果（证照）"), max_length=60, blank=True)
    district_wide = models.BooleanField(_("全区通办"), default=True)
    proxy_allowed = models.BooleanField(_("可代办"), default=True)
    online_allowed = models.BooleanField(_("可网上申请"), default=False)
    # how long it usually takes at a window: a booking of a longer item holds several consecutive slots (hall)
    service_minutes = models.PositiveSmallIntegerField(_("窗口办理时长（分钟）"), default=15)
    is_active = models.BooleanField(_("在用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)  # the intake cache's change stamp

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["category__order", "code"]
        constraints = [
            models.CheckConstraint(
                name="serviceitem_days_match_kind",
                condition=Q(kind="instant", promised_days=0) | Q(kind="promised", promised_days__gte=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def completed_in_community(self) -> bool:
        return self.approval_level == ApprovalLevel.COMMUNITY


class SharedData(models.TextChoices):
    """What the registry can verify so that the resident brings nothing (数据共享 / 无证明)."""

    IDENTITY = "identity", _("身份信息")
    HOUSEHOLD = "household", _("户籍与家庭成员")
    MARRIAGE = "marriage", _("婚姻状况")
    AGE = "age", _("年龄")
    INCOME = "income", _("家庭收入")


class ActiveMaterials(models.Manager):
    """The default manager: only materials still asked for. `item.materials.all()` (the notice, intake, bundles)
    goes through it; an upload's `material` (a forward relation, the base manager) still reaches a retired one."""

    def get_queryset(self):
        return super().get_queryset().filter(is_active=True)


class MaterialRequirement(models.Model):
    """A material an item asks for. `code` is its identity within the item: a catalog re-import matches rows by
    (item code, material code) — or by name when the file gives no code — and updates them in place, so ids, the
    uploads that point at them and open window forms survive (issue #10, item 12). A material dropped from the list
    is deleted when nothing refers to it, otherwise retired (`is_active` off) and hidden from the notice and intake."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials", verbose_name=_("服务事项"))
    code = models.CharField(_("材料编码"), max_length=20)
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=100)
    form = models.CharField(_("形式"), max_length=40, default="原件")  # zh: stored default (catalog data)
    shared_data = models.CharField(_("可共享核验"), max_length=12, choices=SharedData.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    objects = ActiveMaterials()
    all_objects = models.Manager()  # noqa: DJ012 (ruff takes models.Manager() for a field)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "order"]
        base_manager_name = "all_objects"
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="material_code_unique_per_item")]

    def __str__(self) -> str:
        return self.name


class ItemBundle(models.Model):
    """A bundle (一件事): items a resident applies for together with one set of materials."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    items = models.ManyToManyField(ServiceItem, related_name="bundles")
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
