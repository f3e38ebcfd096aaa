"""Population registry: buildings (楼栋), households (户) and residents (居民), plus household income records used
for eligibility. ID numbers and phones are stored only encrypted, with a keyed blind index for exact lookup and a
masked form for display. `path` on each row is the code of its grid, so scoping is one indexed range query."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doorstep.core.idnumbers import DocumentType
from doorstep.core.names import NAME_MAX_LENGTH, PINYIN_KEY_MAX_LENGTH
from doorstep.org.models import OrgNode


class Building(models.Model):
    grid = models.ForeignKey(OrgNode, on_delete=models.PROTECT, related_name="buildings")
    path = models.CharField(_("网格编码"), max_length=15)
    code = models.CharField(_("楼栋编码"), max_length=24, unique=True)
    name = models.CharField(_("楼栋"), max_length=100)
    address = models.CharField(_("地址"), max_length=200)
    # empty: not located yet (a ledger row without coordinates, to be geocoded later; docs/registry-import.md)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
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


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    DECEASED = "deceased", _("已死亡")
    MOVED_OUT = "moved_out", _("已迁出本区")


class Resident(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    path = models.CharField(_("网格编码"), max_length=15)
    name = models.CharField(_("姓名"), max_length=NAME_MAX_LENGTH)
    name_pinyin = models.CharField(_("姓名全拼"), max_length=PINYIN_KEY_MAX_LENGTH)
    name_initials = models.CharField(_("姓名首字母"), max_length=NAME_MAX_LENGTH)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    document_type = models.CharField(_("证件类型"), max_length=20, choices=DocumentType.choices,
                                     default=DocumentType.ID_CARD)
    # id_number_*: the number of whichever document the resident holds (居民身份证 for most). None for a newborn
    # reported before the 户口 registration gives the number (registry.changes: a birth without a number; the
    # number is added later by a correction); NULL never matches a blind index and stays unique.
    id_number_enc = models.BinaryField(_("证件号码（密文）"), null=True, blank=True)
    id_number_index = models.CharField(_("证件号码索引"), max_length=32, unique=True, null=True, blank=True)
    id_number_masked = models.CharField(_("证件号码"), max_length=18, blank=True, default="")
    phone_enc = models.BinaryField(_("联系电话（密文）"), null=True, blank=True)
    phone_index = models.CharField(_("联系电话索引"), max_length=32, blank=True, default="")
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True, default="")
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    is_elderly_alone = models.BooleanField(_("独居老人"), default=False)
    is_disabled = models.BooleanField(_("残疾人"), default=False)
    is_low_income = models.BooleanField(_("低保对象"), default=False)
    is_migrant = models.BooleanField(_("流动人口"), default=False)
    is_party_member = models.BooleanField(_("党员"), default=False)
    is_veteran = models.BooleanField(_("退役军人"), default=False)
    employer = models.CharField(_("工作单位"), max_length=100, blank=True, default="")
    # archived, never deleted (registry.changes): a death or a move out of the district sets these
    status = models.CharField(_("状态"), max_length=12, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE)
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    moved_to = models.CharField(_("迁往"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        indexes = [
            models.Index(fields=["path"], name="resident_path"),
            models.Index(fields=["name"], name="resident_name"),
            models.Index(fields=["phone_index"], name="resident_phone_index"),
        ]
        constraints = [
            models.CheckConstraint(name="resident_gender_valid", condition=Q(gender__in=["M", "F"])),
            models.CheckConstraint(name="resident_document_type_valid",
                                   condition=Q(document_type__in=DocumentType.values)),
            models.CheckConstraint(name="resident_status_valid", condition=Q(status__in=["active", "deceased",
                                                                                          "moved_out"])),
        ]

    def __str__(self) -> str:
        return self.name


class ResidentNameKey(models.Model):
    """One key a resident's name is found by (core.names.name_keys): the name without dots, each pinyin reading,
    each string of initials. A name search is a range scan of `key`.

    `path` and `name` copy the resident's (registry.namekeys keeps them current: every write of a resident's path
    or name calls namekeys_follow or rekeys) so that a search counts, scopes and sorts its matches from this index
    alone and reads only the page's residents: on PostgreSQL reading each match's row cost 60–70 ms for the
    5,000–8,000 people two initials find (bench/README.md, issue #12)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="name_keys", db_index=False)
    key = models.CharField(max_length=PINYIN_KEY_MAX_LENGTH)
    path = models.CharField(max_length=15, default="")
    name = models.CharField(max_length=NAME_MAX_LENGTH, default="")

    class Meta:
        verbose_name = _("姓名检索键")
        verbose_name_plural = _("姓名检索键")
        # (key, path, name, resident): a search's range, scope, sort and ids all from the index, never the table
        indexes = [models.Index(fields=["key", "path", "name", "resident"], name="namekey_search")]
        constraints = [models.UniqueConstraint(fields=["resident", "key"], name="namekey_once")]

    def __str__(self) -> str:
        return self.key


class CharacterReading(models.Model):
    """The pinyin of a character that pypinyin does not know (a rare character of a name, often outside the Basic
    Multilingual Plane), as staff entered it. Name keys read it; entering one re-keys every name with it."""

    character = models.CharField(_("汉字"), max_length=1, unique=True)
    readings = models.CharField(_("拼音"), max_length=60, help_text=_("不带声调的拼音，多个读音用空格分隔"))
    entered_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("生僻字读音")
        verbose_name_plural = _("生僻字读音")

    def __str__(self) -> str:
        return f"{self.character} {self.readings}"


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


class ChangeKind(models.TextChoices):
    """What a change request (registry.changes) asks for."""

    BIRTH = "birth", _("出生登记")
    DEATH = "death", _("死亡注销")
    MOVE_IN = "move_in", _("区外迁入")
    MOVE_WITHIN = "move_within", _("区内迁移")
    MOVE_OUT = "move_out", _("迁出本区")
    MARRIAGE = "marriage", _("婚姻变动")
    SPLIT = "split", _("分户")
    MERGE = "merge", _("并户")
    PHONE = "phone", _("电话变更")
    FLAGS = "flags", _("人群标签变更")
    CORRECTION = "correction", _("信息更正")


class ChangeState(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


class ChangeRequest(models.Model):
    """A proposed change to the registry (registry.changes): a grid worker's report of a birth, death, move,
    marriage, split or merge, phone or flag change, or a correction a resident or grid worker asks for. The
    community reviews it; approving applies it in the same transaction (the only write path to residents besides
    registration and the ledger import). `path` is the grid the request belongs to (its subject's), which is how
    queues are scoped. `payload` holds what is not secret (ids, names, dates, masked numbers); document numbers and
    phones travel encrypted in `secret_enc` (a JSON object)."""

    kind = models.CharField(_("变更类型"), max_length=12, choices=ChangeKind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=ChangeState.choices, default=ChangeState.PROPOSED)
    path = models.CharField(_("网格编码"), max_length=15)
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(_("变更内容"), default=dict)
    secret_enc = models.BinaryField(null=True, blank=True)
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True, default="")
    proposer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提交时间"))
    reviewer = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True, default="")
    result_resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("人口变更申请")
        verbose_name_plural = _("人口变更申请")
        indexes = [
            models.Index(fields=["path", "state"], name="change_path_state"),
            models.Index(fields=["proposer", "proposed_at"], name="change_proposer"),
            models.Index(fields=["resident"], name="change_resident"),
        ]
        constraints = [
            models.CheckConstraint(name="change_kind_valid", condition=Q(kind__in=ChangeKind.values)),
            models.CheckConstraint(name="change_state_valid", condition=Q(state__in=ChangeState.values)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ResidentVersion(models.Model):
    """One stretch of a resident's record: the fields that change, valid from `valid_from` (inclusive) to
    `valid_to` (exclusive; NULL for the open version, which always reads as the live Resident row). Written by
    registry.changes when a change is applied; a resident without any version reads as its current row since
    birth (the demo's and the import's residents need no rows). registry.history reads them as of a date."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="versions", db_index=False)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+", db_index=False)
    path = models.CharField(_("网格编码"), max_length=15)
    name = models.CharField(_("姓名"), max_length=NAME_MAX_LENGTH)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices)
    status = models.CharField(_("状态"), max_length=12, choices=ResidentStatus.choices)
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    document_type = models.CharField(_("证件类型"), max_length=20, choices=DocumentType.choices)
    id_number_masked = models.CharField(_("证件号码"), max_length=18, blank=True, default="")
    phone_index = models.CharField(max_length=32, blank=True, default="")
    phone_masked = models.CharField(_("联系电话"), max_length=16, blank=True, default="")
    is_elderly_alone = models.BooleanField(_("独居老人"), default=False)
    is_disabled = models.BooleanField(_("残疾人"), default=False)
    is_low_income = models.BooleanField(_("低保对象"), default=False)
    is_migrant = models.BooleanField(_("流动人口"), default=False)
    is_party_member = models.BooleanField(_("党员"), default=False)
    is_veteran = models.BooleanField(_("退役军人"), default=False)
    change = models.ForeignKey(ChangeRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # the ledger import that wrote this version (registry.ledger), when a page's import did; a version with neither
    # a change nor an import is the record as the registry first held it (or a command-line import's)
    ledger_import = models.ForeignKey("registry.LedgerImport", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", db_index=False)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("居民信息版本")
        verbose_name_plural = _("居民信息版本")
        indexes = [
            models.Index(fields=["resident", "valid_from"], name="version_resident_from"),
            models.Index(fields=["household", "valid_from"], name="version_household_from"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.valid_from}"


class LedgerImport(models.Model):
    """One upload of a district's population ledger (registry.ledger): checked in the background (a dry run that
    writes nothing), then, once its owner confirms a file without errors, imported all at once. The uploaded file and
    the error workbook are kept encrypted under VAR_DIR/ledger/ until DOORSTEP_LEDGER_KEEP_HOURS after upload; the
    job (counts, the first problems, masked) stays as the record of the run. States: registry.ledger.workflow."""

    class State(models.TextChoices):
        QUEUED = "queued", _("等待检查")
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("检查通过")
        REJECTED = "rejected", _("有错误")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("失败")

    token = models.CharField(_("编号"), max_length=32, unique=True)
    owner = models.ForeignKey("accounts.User", verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(OrgNode, verbose_name=_("区"), on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(_("文件SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(_("当前工作表"), max_length=20, blank=True, default="")
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已处理行数"), default=0)
    report = models.JSONField(_("报告"), default=dict, blank=True)
    errors_file = models.CharField(_("错误清单文件"), max_length=80, blank=True, default="")
    error = models.CharField(_("失败原因"), max_length=300, blank=True, default="")
    language = models.CharField(_("语言"), max_length=16, blank=True, default="")
    created_at = models.DateTimeField(_("上传时间"))
    checked_at = models.DateTimeField(_("检查完成时间"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认导入时间"), null=True, blank=True)  # by its owner (authority.py)
    started_at = models.DateTimeField(_("导入开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("导入完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("人口台账导入")
        verbose_name_plural = _("人口台账导入")
        indexes = [models.Index(fields=["owner", "-id"], name="ledgerimport_owner_recent")]
        constraints = [models.CheckConstraint(
            name="ledgerimport_state_valid",
            condition=Q(state__in=["queued", "checking", "checked", "rejected", "importing", "done", "failed"]))]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        if self.state in (self.State.DONE, self.State.CHECKED, self.State.REJECTED):
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
