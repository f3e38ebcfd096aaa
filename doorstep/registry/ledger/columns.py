"""The population ledger's format (人口台账): four kinds of sheet, their Chinese column headers with the synonyms a
网格化 office's own ledger uses, and the words accepted in cells. The format is a file format, so its sheet names,
headers and cell words stay Chinese whatever the reader's language (hence the `# zh:` markers); the problems
found in a file are what the import translates. docs/registry-import.md describes every column for people.

Sheets are processed in dependency order whatever order the file has them in: 组织机构 (the org tree under the
district), 楼栋 (buildings, each in a grid), 户 (households, each in a building), 居民 (residents, each in a
household).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from doorstep.core.idnumbers import DocumentType
from doorstep.org.models import Level
from doorstep.registry.models import Household, Relation

ORG, BUILDINGS, HOUSEHOLDS, RESIDENTS = "org", "buildings", "households", "residents"
KINDS = (ORG, BUILDINGS, HOUSEHOLDS, RESIDENTS)


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's header
    required: bool = False
    synonyms: tuple[str, ...] = ()
    personal: str = ""  # "document" or "phone": the value is masked wherever a problem report shows it
    example: str = ""
    note: str = ""  # what the template's 说明 sheet says of the column (the format's own words, Chinese)


@dataclass(frozen=True)
class Sheet:
    kind: str
    name: str  # the sheet's name in a workbook, and the CSV file's name (without .csv) in a zip
    synonyms: tuple[str, ...]
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


FLAG_COLUMNS = (  # (Resident field, header, synonyms)  # zh: workbook format (column headers)
    ("is_elderly_alone", "独居老人", ("空巢独居老人", "独居")),  # zh: workbook format
    ("is_disabled", "残疾人", ("残疾",)),  # zh: workbook format
    ("is_low_income", "低保对象", ("低保", "低保户")),  # zh: workbook format
    ("is_migrant", "流动人口", ("流动",)),  # zh: workbook format
    ("is_party_member", "党员", ("中共党员",)),  # zh: workbook format
    ("is_veteran", "退役军人", ("退伍军人",)),  # zh: workbook format
)

SHEETS = {
    ORG: Sheet(ORG, "组织机构", ("组织架构", "组织", "组织机构表"), (  # zh: workbook format
        Column("level", "层级", True, ("级别", "类型", "组织层级"),  # zh: workbook format
               example="街道", note="街道（或镇、乡）、社区（或村）、网格；区只能是本区"),  # zh: workbook format
        Column("code", "编码", True, ("组织编码", "区划代码", "代码", "网格编码"),  # zh: workbook format
               example="430302001", note="街道9位、社区12位、网格15位数字，以上级编码开头"),  # zh: workbook format
        Column("name", "名称", True, ("组织名称", "网格名称"), example="城正街街道"),  # zh: workbook format
        Column("parent", "上级编码", False, ("上级代码", "上级组织编码", "所属编码"),  # zh: workbook format
               example="430302", note="可不填：编码去掉最后3位即上级；填了须一致"),  # zh: workbook format
    )),
    BUILDINGS: Sheet(BUILDINGS, "楼栋", ("楼栋信息", "楼栋表", "建筑"), (  # zh: workbook format
        Column("code", "楼栋编码", True, ("楼栋代码", "楼号编码", "建筑编码"),  # zh: workbook format
               example="430302001001001B00001", note="本区内唯一，最多24个字符"),  # zh: workbook format
        Column("name", "楼栋名称", True, ("楼栋", "楼栋号", "楼号"), example="金地花园1栋"),  # zh: workbook format
        Column("address", "地址", True, ("楼栋地址", "详细地址"),  # zh: workbook format
               example="湘潭市雨湖区城正街街道金地花园1栋"),  # zh: workbook format
        Column("grid", "网格编码", True, ("所属网格编码", "网格代码", "所属网格"),  # zh: workbook format
               example="430302001001001", note="15位，本文件或系统中已有的网格"),  # zh: workbook format
        Column("latitude", "纬度", False, ("lat",), example="27.8513",  # zh: workbook format
               note="可不填（待定位）；填了须同时填经度"),  # zh: workbook format
        Column("longitude", "经度", False, ("lng", "lon"), example="112.9012"),  # zh: workbook format
    )),
    HOUSEHOLDS: Sheet(HOUSEHOLDS, "户", ("住户", "户信息", "家庭户", "户籍"), (  # zh: workbook format
        Column("number", "户号", True, ("户编号", "户口簿户号"), example="100000001",  # zh: workbook format
               note="本区内唯一，最多24个字符"),  # zh: workbook format
        Column("building", "楼栋编码", True, ("楼栋代码", "所属楼栋编码"),  # zh: workbook format
               example="430302001001001B00001", note="本文件或系统中已有的楼栋"),  # zh: workbook format
        Column("room", "门牌", True, ("房号", "门牌号", "室号", "房间号"), example="1单元101室"),  # zh: workbook format
        Column("kind", "户别", False, ("户类型", "户籍类别", "户口类别"),  # zh: workbook format
               example="户籍户", note="户籍户或居住户，不填为户籍户"),  # zh: workbook format
    )),
    RESIDENTS: Sheet(RESIDENTS, "居民", ("人口", "居民信息", "人员", "人口信息", "实有人口"), (  # zh: workbook format
        Column("name", "姓名", True, ("名字", "居民姓名"), example="谢小波",  # zh: workbook format
               note="最多50个字；间隔号写法不限（·•・．.）"),  # zh: workbook format
        Column("gender", "性别", False, (), example="男", note="男或女；证件号码含性别时可不填"),  # zh: workbook format
        Column("birth_date", "出生日期", False, ("出生年月日", "生日"), example="1990-03-07",  # zh: workbook format
               note="日期格式；证件号码含出生日期时可不填"),  # zh: workbook format
        Column("document_type", "证件类型", False, ("证件种类", "证件名称"), example="居民身份证",  # zh: workbook format
               note="不填为居民身份证（18位或旧版15位号码自动识别）"),  # zh: workbook format
        Column("document", "证件号码", True,  # zh: workbook format
               ("身份证号", "身份证号码", "公民身份号码", "证件号", "身份证"),  # zh: workbook format
               personal="document", example="430302199003070011",
               note="设为文本格式，以免Excel改写；全角、空格、短横线可以"),  # zh: workbook format
        Column("household", "户号", True, ("户编号",), example="100000001"),  # zh: workbook format
        Column("relation", "与户主关系", True, ("关系", "与户主的关系", "家庭关系"),  # zh: workbook format
               example="户主", note="户主、配偶、子女、父母、孙子女、兄弟姐妹、其他；每户至多一个户主、一个配偶"),  # zh: workbook format
        Column("phone", "联系电话", False,  # zh: workbook format
               ("手机号", "手机号码", "电话", "手机", "联系方式", "电话号码"),  # zh: workbook format
               personal="phone", example="13800000001", note="手机号或带区号的固定电话"),  # zh: workbook format
        *(Column(key, header, False, synonyms, example="否", note="是或否，不填为否")  # zh: workbook format
          for key, header, synonyms in FLAG_COLUMNS),
        Column("employer", "工作单位", False, ("单位", "就业单位"), example="湘潭大学"),  # zh: workbook format
    )),
}

# The words cells may hold, per stored value (the first is what the template and the example write).
LEVEL_WORDS = {  # zh: workbook format (cell values)
    Level.DISTRICT: ("区", "县", "区县", "县区", "县级市"), Level.STREET: ("街道", "镇", "乡", "街道办事处", "乡镇"),
    Level.COMMUNITY: ("社区", "村", "居委会", "村委会", "社区居委会"), Level.GRID: ("网格", "区块")}
HOUSEHOLD_KIND_WORDS = {  # zh: workbook format (cell values)
    Household.Kind.REGISTERED: ("户籍户", "户籍", "常住户", "本地户"),
    Household.Kind.RESIDING: ("居住户", "居住", "非户籍", "非户籍户", "流动户")}
RELATION_WORDS = {  # zh: workbook format (cell values)
    Relation.HEAD: ("户主", "本人"),
    Relation.SPOUSE: ("配偶", "妻", "妻子", "夫", "丈夫", "夫妻"),
    Relation.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "次子", "三子", "长女", "次女", "三女", "独生子",  # zh: words
                     "独生女", "养子", "养女", "继子", "继女"),  # zh: workbook format (cell values)
    Relation.PARENT: ("父母", "父亲", "母亲", "父", "母", "公公", "婆婆", "岳父", "岳母"),  # zh: workbook format
    Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙子", "外孙女", "外孙"),  # zh: workbook format
    Relation.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹"),  # zh: workbook format
    Relation.OTHER: ("其他", "其它", "儿媳", "女婿", "祖父", "祖母", "外祖父", "外祖母", "侄子", "侄女",  # zh: words
                     "孙媳", "非亲属", "保姆", "租户"),  # zh: workbook format (cell values)
}
GENDER_WORDS = {"M": ("男", "男性", "1", "M"), "F": ("女", "女性", "2", "F")}  # zh: GB/T 2261.1 codes and words
DOCUMENT_TYPE_WORDS = {  # zh: workbook format (cell values)
    DocumentType.ID_CARD: ("居民身份证", "身份证", "二代身份证", "身份证号"),
    DocumentType.HMT_RESIDENCE: ("港澳台居民居住证", "港澳台居住证"),
    DocumentType.FOREIGN_PERMANENT: ("外国人永久居留身份证", "永久居留身份证", "外国人永久居留证", "永居证"),
    DocumentType.PASSPORT: ("护照", "外国护照", "中国护照", "普通护照"),
    DocumentType.HK_MACAO_PERMIT: ("港澳居民来往内地通行证", "回乡证", "港澳居民通行证"),
    DocumentType.TAIWAN_PERMIT: ("台湾居民来往大陆通行证", "台胞证", "台湾居民通行证"),
}
YES_WORDS = ("是", "y", "yes", "1", "true", "√", "✓", "有")  # zh: workbook format (cell values)
NO_WORDS = ("否", "n", "no", "0", "false", "×", "✗", "无", "")  # zh: workbook format (cell values)


@lru_cache(maxsize=8192)  # cell words repeat: 是, 否, 户主 … hundreds of thousands of times
def fold(text: str) -> str:
    """A header, sheet name or cell word as it is compared: full-width folded (NFKC), spaces and a leading or
    trailing required-mark (*, （必填）) dropped, lowercase."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\((必填|选填|可选)\)", "", text)  # zh: marks an office's template puts on headers
    return "".join(text.split()).strip("*").lower()


def _lookup(table: dict) -> dict[str, str]:
    return {fold(word): value for value, words in table.items() for word in (*words, value)}


LEVELS = _lookup(LEVEL_WORDS)
HOUSEHOLD_KINDS = _lookup(HOUSEHOLD_KIND_WORDS)
RELATIONS = _lookup(RELATION_WORDS)
GENDERS = _lookup(GENDER_WORDS)
DOCUMENT_TYPES = _lookup(DOCUMENT_TYPE_WORDS)
FLAGS = {**{fold(w): True for w in YES_WORDS}, **{fold(w): False for w in NO_WORDS}}


def header_keys(sheet: Sheet) -> dict[str, str]:
    """Every folded spelling of the sheet's headers → the column key."""
    return {fold(word): c.key for c in sheet.columns for word in (c.header, *c.synonyms)}


def sheet_for_name(name: str) -> Sheet | None:
    folded = fold(name).removesuffix(".csv")
    for sheet in SHEETS.values():
        if folded in {fold(sheet.name), *(fold(s) for s in sheet.synonyms)}:
            return sheet
    return None
