"""Ledgers for the import tests, generated here (never a binary file in git): the 300-row ledger of awkward but valid
rows a real district's ledger holds, and helpers to write any ledger as a workbook, a CSV zip or one CSV."""

import csv
import datetime
import io
import unicodedata
import zipfile

from doorstep.core.crypto import blind_index
from doorstep.core.idnumbers import complete_id_number, parse_document
from doorstep.registry.ledger.columns import BUILDINGS, HOUSEHOLDS, KINDS, ORG, RESIDENTS, SHEETS
from doorstep.registry.ledger.workbook import template_xlsx
from doorstep.registry.models import Resident

STREET = "430302091"
COMMUNITY = STREET + "001"
GRIDS = (COMMUNITY + "001", COMMUNITY + "002")
DOTS = ("·", "•", "・", "．", ".")
LONG_NAME = "阿" * 50
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _taken(number: str) -> bool:
    return Resident.objects.filter(id_number_index=blind_index("id", parse_document(number).index_value)).exists()


def awkward_ledger(count: int = 300) -> dict:
    """{kind: [{header: value}]}: a new street of the demo district with two grids, five buildings (two not yet
    located), count // 3 households of three, and `count` residents whose every row is awkward in one way or two:
    the document forms (full-width, Ｘ and x, spaces and dashes, 15 digits, 430302 born before 1984, 港澳台居民居住证,
    外国人永久居留身份证, passports, 港澳 and 台湾 permits), names (every look-alike dot, characters outside the BMP,
    50 characters) and phones (+86, 0086, 86-, full-width, landlines)."""
    ledger = {ORG: [
        {"层级": "街道", "编码": STREET, "名称": "测试街道"},
        {"层级": "社区", "编码": COMMUNITY, "名称": "测试社区", "上级编码": STREET},
        {"层级": "网格", "编码": GRIDS[0], "名称": "测试社区第1网格"},
        {"层级": "网格", "编码": GRIDS[1], "名称": "测试社区第2网格"},
    ], BUILDINGS: [], HOUSEHOLDS: [], RESIDENTS: []}
    for b in range(5):
        located = b < 3
        ledger[BUILDINGS].append({
            "楼栋编码": f"T91-{b + 1:02d}", "楼栋名称": f"测试小区{b + 1}栋", "地址": f"湘潭市雨湖区测试街道测试小区{b + 1}栋",
            "网格编码": GRIDS[b % 2], "纬度": f"27.85{b}" if located else "", "经度": f"112.91{b}" if located else ""})
    for h in range(count // 3 + (count % 3 > 0)):
        ledger[HOUSEHOLDS].append({"户号": f"T91{h + 1:06d}", "楼栋编码": f"T91-{h % 5 + 1:02d}",
                                   "门牌": f"{h // 20 + 1}单元{h % 20 + 101}室", "户别": "居住户" if h % 4 == 0 else "户籍户"})
    birth = datetime.date(1955, 1, 1)
    for i in range(count):
        household = f"T91{i // 3 + 1:06d}"
        relation = ("户主", "配偶", "子女")[i % 3]
        row = {"户号": household, "与户主关系": relation}
        gender = "M" if i % 2 == 0 else "F"
        day = birth + datetime.timedelta(days=(97 * i) % 25000)
        kind = i % 12
        first17 = None
        if kind in (0, 1, 2, 3, 4):  # 居民身份证 of 湘潭县, in every typed form
            first17 = f"430321{day:%Y%m%d}{(i % 500) * 2 + (1 if gender == 'M' else 0):03d}"
        elif kind == 5:  # 430302 (雨湖区, from 1984) for someone born before 1984
            day = datetime.date(1930 + i % 50, 1 + i % 12, 1 + i % 28)
            first17 = f"430302{day:%Y%m%d}{(i % 500) * 2 + (1 if gender == 'M' else 0):03d}"
        if first17 is not None:
            number = complete_id_number(first17)
            # the demo's own residents carry random 430302 numbers; Ｘ and x need a number whose check is X
            while _taken(number) or (kind in (1, 2) and not number.endswith("X")):
                first17 = first17[:14] + f"{(int(first17[14:]) + 2) % 1000:03d}"
                number = complete_id_number(first17)
            if kind == 4 and int(number[6:10]) < 2000:  # 15 digits exist only for numbers issued before 1999
                typed = number[:6] + number[8:17]
            else:
                typed = (number, full_width(number), number.lower(), f"{number[:6]} {number[6:14]}-{number[14:]}",
                         number, number)[kind]
            row["证件号码"] = typed
        elif kind == 6:  # 港澳台居民居住证
            code = ("810000", "820000", "830000")[i % 3]
            row["证件号码"] = complete_id_number(f"{code}{day:%Y%m%d}{(i % 500) * 2 + (1 if gender == 'M' else 0):03d}")
            row["证件类型"] = "港澳台居民居住证"
        elif kind == 7:  # 外国人永久居留身份证 (2023): 9, province 43, nationality 840
            row["证件号码"] = complete_id_number(f"943840{day:%Y%m%d}{(i % 500) * 2 + (1 if gender == 'M' else 0):03d}")
        elif kind == 8:
            row.update({"证件类型": "护照", "证件号码": f"P{7000000 + i}" if i % 2 else f"E{80000000 + i}"})
        elif kind == 9:
            row.update({"证件类型": "港澳居民来往内地通行证", "证件号码": f"H{60000000 + i}" if i % 2 else f"M{60000000 + i}01"})
        elif kind == 10:
            row.update({"证件类型": "台湾居民来往大陆通行证", "证件号码": f"{50000000 + i}"})
        else:
            row.update({"证件类型": "台胞证", "证件号码": f"{5000000000 + i}"})
        if kind >= 8:  # no birth date or gender in these numbers: the sheet gives them
            row.update({"性别": "男" if gender == "M" else "女", "出生日期": day.strftime("%Y年%m月%d日")})
        elif i % 7 == 0 and kind != 5:  # both given, agreeing with the number, in another date form
            document = parse_document(row["证件号码"])
            row.update({"性别": "男" if document.gender == "M" else "女", "出生日期": document.birth_date.strftime("%Y/%m/%d")})
        surname, given = SURNAMES[i % len(SURNAMES)], GIVEN[i % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)]
        name = surname + given
        if i % 25 == 1:
            name = f"买买提{DOTS[(i // 25) % len(DOTS)]}艾力" + ("江" if i % 2 else "")
        elif i % 25 == 2:
            name = ("王𠮷", "王𰀀", "𠮷野家")[(i // 25) % 3]
        elif i == 4:
            name = LONG_NAME
        row["姓名"] = name
        phone = f"1370731{i:04d}"
        row["联系电话"] = (f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}", f"0086{phone}", f"86-{phone}",
                       full_width(phone), f"0731-5888{i:04d}", phone, "")[i % 7]
        row["党员"] = "是" if i % 10 == 0 else ("否" if i % 3 else "")
        row["流动人口"] = "是" if kind >= 6 else "否"
        row["工作单位"] = "湘潭大学" if i % 5 == 0 else ""
        ledger[RESIDENTS].append(row)
    return ledger


def as_xlsx(ledger: dict) -> bytes:
    return template_xlsx(example=ledger)


def csv_text(ledger: dict, kind: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    headers = [c.header for c in SHEETS[kind].columns]
    writer.writerow(headers)
    for row in ledger.get(kind, []):
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue()


def as_csv_zip(ledger: dict, *, encoding: str = "utf-8-sig", gbk_names: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind in KINDS:
            if kind not in ledger:
                continue
            name = SHEETS[kind].name + ".csv"
            data = csv_text(ledger, kind).encode(encoding)
            if gbk_names:  # as zip tools on Chinese Windows write it: GBK bytes, no UTF-8 flag
                archive.writestr(_GbkName(name.encode("gbk").decode("cp437")), data)
            else:
                archive.writestr(name, data)
    return out.getvalue()


class _GbkName(zipfile.ZipInfo):
    """A member name stored as raw GBK bytes without the UTF-8 flag (zipfile itself would write UTF-8)."""

    __slots__ = ()

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp437"), self.flag_bits


def has_outside_bmp(text: str) -> bool:
    return any(ord(c) > 0xFFFF for c in unicodedata.normalize("NFC", text))
