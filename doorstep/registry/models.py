"""Population registry: buildings (楼栋), households (户) and residents (居民), plus household income records used
for eligibility. ID numbers and phones are stored only encrypted, with a keyed blind index for exact lookup and a
masked form for display. `path` on each row is the code of its grid, so scoping is one indexed range query."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.org.models import OrgNode


class Building(models.Model):
    grid = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="buildings")
    path = models.CharField(_("网格编码"), max_length=15)
    code = models.CharField(_("楼栋编码"), max_length=24, unique=True)
    name = models.CharField(_("楼栋"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    latitude = models.FloatField(_("纬度"))
    longitude = models.FloatField(_("经度"))
    household_count = models.PositiveIntegerField(_("户数"), default=0)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        indexes = [
            models.Index(fields=["path"], name="building_path"),
            models.Index(fields=["name"], name="building_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    class Kind(models.TextChoices):
        REGISTERED = "registered", _("户籍户")
        RESIDING = "residing", _("居住户")

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households")
    path = models.CharField(_("网格编码"), max_length=15)
    number = models.CharField(_("户号"), max_length=24, unique=True)
    room = models.CharField(_("门牌"), max_length=30)
    kind = models.CharField(_("户别"), max_length=12, choices=Kind.choices, default=Kind.REGISTERED)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        indexes = [models.Index(fields=["path"], name="household_path")]

    def __str__(self) -> str:
        return f"{self.building.name} {self.room}"


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Resident(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    path = models.CharField(_("网格编码"), max_length=15)
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名全拼"), max_length=120)
    name_initials = models.CharField(_("姓名首字母"), max_length=30)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number_enc = models.BinaryField(_("身份证号（密文）"))
    id_number_index = models.CharField(_("身份证号索引"), max_length=32, unique=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18)
    phone_enc = models.BinaryField(_("手机号（密文）"), null=True, blank=True)
    phone_index = models.CharField(_("手机号索引"), max_length=32, blank=True, default="")
    phone_masked = models.CharField(_("手机号"), max_length=11, blank=True, default="")
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    is_elderly_alone = models.BooleanField(_("独居老人"), default=False)
    is_disabled = models.BooleanField(_("残疾人"), default=False)
    is_low_income = models.BooleanField(_("低保对象"), default=False)
    is_migrant = models.BooleanField(_("流动人口"), default=False)
    is_party_member = models.BooleanField(_("党员"), default=False)
    is_veteran = models.BooleanField(_("退役军人"), default=False)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        indexes = [
            models.Index(fields=["path"], name="resident_path"),
            models.Index(fields=["name"], name="resident_name"),
            models.Index(fields=["name_pinyin"], name="resident_pinyin"),
            models.Index(fields=["name_initials"], name="resident_initials"),
            models.Index(fields=["phone_index"], name="resident_phone_index"),
        ]
        constraints = [
            models.CheckConstraint(name="resident_gender_valid", condition=Q(gender__in=["M", "F"])),
        ]

    def __str__(self) -> str:
        return self.name


class IncomeRecord(models.Model):
    """Income of one household member (or the household as a whole) for one year, in yuan."""

    class Kind(models.TextChoices):
        WAGE = "wage", _("工资性收入")
        PENSION = "pension", _("养老金")
        BUSINESS = "business", _("经营性收入")
        OTHER = "other", _("其他收入")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    source = models.CharField(_("来源"), max_length=60, default="申报")  # zh: stored value (declared by the household)

    class Meta:
        verbose_name = _("收入记录")
        verbose_name_plural = _("收入记录")
        indexes = [models.Index(fields=["household", "year"], name="income_household_year")]
        constraints = [models.CheckConstraint(name="income_not_negative", condition=Q(amount__gte=0))]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} {self.amount}"


class SearchGrant(models.Model):
    """A record that a staff member found this resident or case through an audited search (查询留痕).

    Roles that serve the whole district by search (全区通办 window clerks) never browse: they may open a resident
    or a case outside their own place only after a search of theirs showed it, and only for a while
    (DOORSTEP_SEARCH_GRANT_HOURS). Selectors consult this table; search services write it with the audit event."""

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("居民")
        CASE = "case", _("办件")

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    granted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("查询留痕")
        verbose_name_plural = _("查询留痕")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "object_id"], name="searchgrant_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.object_id}"
