"""A report's text as a grid worker, a resident or a hotline operator would write it: frames (the shape of the
sentence) filled with the pieces of demo.incident_texts, then roughened (dialect, pinyin slips, punctuation)."""

import random
import string
from collections import defaultdict

from doorstep.demo import incident_texts as words


class TextMaker:
    """A report's text for a category, as a grid worker, a resident or a hotline operator would put it: a frame
    (the shape of the sentence) chosen first, then only the pieces it asks for."""

    # words that place a problem by themselves: a place in front of them is then mostly left out
    PLACED = ("门口", "小区", "楼", "路边", "路上", "马路", "市场", "学校", "公交站", "店", "家", "隔壁", "附近",
              "这一片", "单元", "河", "工地", "电梯", "阳台", "窗", "车库", "桥", "院子", "屋", "公厕", "路口")
    NIGHTLY = ("半夜", "凌晨", "晚上", "深夜", "夜里", "夜间", "早上", "中午", "周末")
    QUESTION = ("怎么", "什么", "吗", "多少", "能不能", "哪", "想问", "咨询", "如何", "是不是")
    HOMELY = ("小区", "楼道", "单元", "楼里", "楼上", "楼顶", "物业", "楼下")

    def __init__(self, rng: random.Random, keywords: dict[str, list[str]], names: dict[str, str]):
        self.rng = rng
        self.keywords = keywords
        self.names = names
        by_where = defaultdict(list)
        for code, entry in words.CATEGORY_WORDS.items():
            if code in names:
                by_where[entry["where"]].append((code, entry["w"]))
        self.by_where = {k: ([c for c, _ in v], [w for _, w in v]) for k, v in by_where.items()}
        # a frame's slot names in the order they appear, each once: make() draws a value for each in this order, so
        # a set here (ordered by string hashes, which PYTHONHASHSEED randomises) would change every later draw
        self.frames = {key: [(frame, tuple(dict.fromkeys(name for _t, name, _f, _c in string.Formatter().parse(frame)
                                                         if name)))
                             for frame in frames] for key, frames in FRAMES.items()}

    def _fill(self, text: str, slots: "Slots") -> str:
        return text.format_map(slots) if "{" in text else text

    def _slots(self, building) -> "Slots":
        slots = Slots(estate=building[5], estate_name=building[7])
        slots.rng = self.rng
        return slots

    def problem(self, code: str, channel: str, alt_words: list[str] | None) -> str:
        entry = words.CATEGORY_WORDS[code]
        rng = self.rng
        if alt_words:
            return rng.choice(alt_words)
        if channel == "grid" and entry["g"] and entry["where"] != "none" and rng.random() < 0.4:
            return rng.choice(entry["g"])
        if rng.random() < 0.06 and self.keywords.get(code):
            keyword = rng.choice(self.keywords[code])
            return rng.choice(("{k}的问题", "有{k}", "{k}，" + rng.choice(entry["p"]), "反映{k}")).replace(
                "{k}", keyword)
        return rng.choice(entry["p"])

    def make(self, code: str, channel: str, building, *, night: bool = False, alt_words=None,
             second: str | None = None) -> str:
        rng = self.rng
        entry = words.CATEGORY_WORDS[code]
        slots = self._slots(building)
        p = self._fill(self.problem(code, channel, alt_words), slots)
        kind = entry["where"]
        if alt_words and kind in ("street", "river") and any(w in p for w in self.HOMELY):
            kind = "home"
        service = kind == "none"
        frames = self.frames[(channel, service)]
        if channel == "grid" and kind == "home" and rng.random() < 0.5:
            frames = self.frames[("grid", "home")]  # a resident told the grid worker
        frame, names = rng.choice(frames)
        if service and "？" in frame and not any(w in p for w in self.QUESTION):
            frame, names = frames[-1]  # the last service frame is not a question
        placed = any(w in p for w in self.PLACED)
        pieces = {"P": p}
        for name in names:
            if name == "P":
                continue
            if name == "W":
                show = rng.random() < (0.3 if placed else 0.85)
                value = self._fill(rng.choice(words.WHERE[kind]), slots) if show and not service else ""
            elif name == "X":
                value = self._fill(rng.choice(entry["x"]), slots) if entry["x"] and rng.random() < 0.7 else ""
                if value and value in p:
                    value = ""
            elif name == "A":
                value = self._fill(rng.choice(entry["ask"]), slots) if entry["ask"] and rng.random() < 0.6 else \
                    rng.choice(words.ASK_PLAIN)
            elif name == "H":
                value = self._fill(rng.choice(words.WHERE["address"]), slots)
            elif name == "T":
                value = "" if any(w in p for w in self.NIGHTLY) else rng.choice(
                    words.WHEN_NIGHT if night else words.WHEN)
            elif name == "N":
                value = self.names.get(code, "")
            elif name == "K":
                value = rng.choice(self.keywords.get(code) or [self.names.get(code, "")])
            elif name == "S":
                value = rng.choice(words.SURNAMES) + rng.choice(words.TITLES)
            elif name == "EN":
                value = building[7]
            else:
                value = rng.choice(PIECES[name])
            pieces[name] = value
        text = frame.format_map(pieces)
        if second:
            other = words.CATEGORY_WORDS[second]
            other_slots = self._slots(building)
            where = self._fill(rng.choice(words.WHERE[other["where"]]), other_slots) \
                if other["where"] != "none" and rng.random() < 0.5 else ""
            text = text.rstrip("。！!") + "。" + rng.choice(words.ALSO) + where + \
                self._fill(rng.choice(other["p"]), other_slots) + "。"
        text = self._roughen(tidy(text), channel)
        if len(text) < 6:  # intake asks for five characters at least; people add a word
            text = text.rstrip("。！!") + "，" + rng.choice(words.ASK_PLAIN)
        return text

    def _roughen(self, text: str, channel: str) -> str:
        """Hunan dialect, pinyin slips and careless punctuation, as people type on a phone."""
        rng = self.rng
        if channel == "resident" and rng.random() < 0.14:
            for plain, local in rng.sample(words.DIALECT, 4):
                if plain in text:
                    text = text.replace(plain, local, 1)
            if rng.random() < 0.4:
                text = text.rstrip("。！!") + rng.choice(words.DIALECT_TAILS)
        typo_share = {"resident": 0.10, "grid": 0.06, "phone": 0.02}[channel]
        if rng.random() < typo_share:
            found = [(a, b) for a, b in words.TYPOS if a in text]
            if found:
                a, b = rng.choice(found)
                text = text.replace(a, b, 1)
        if channel != "phone" and rng.random() < 0.18:
            style = rng.random()
            if style < 0.35:
                text = text.replace("，", " ")
            elif style < 0.6:
                text = text.replace("，", ",")
            elif style < 0.8:
                text = text.rstrip("。") + rng.choice(("！！", "！！！", "。。。", "?", "啊", "!!"))
            else:
                text = text.replace("。", "").replace("，", "")
        return text.strip() or text


PIECES = {"AF": words.ASK_FORMAL, "D": words.DURATION, "C": words.COMPLAIN, "O": words.OPENER, "TH": words.THANKS,
          "G": words.GRID_LEAD, "GT": words.GRID_TAIL, "L": words.PHONE_LEAD, "E": words.PHONE_TAIL}


GRID_FRAMES = [
    "{W}{P}。", "{W}{P}，{X}。", "{G}{W}{P}，{X}。{GT}", "{G}{W}{P}。{GT}", "{T}{W}{P}，{X}，{AF}。", "{W}：{P}",
    "【{N}】{W}{P}，{X}", "{P}，位置：{W}。", "{W}{P}，{AF}。", "{W}{P}", "{P}。{X}。", "{G}{P}，地点{W}。{GT}",
    "【{K}】{W}{P}", "{W}{P}，{X}，{GT}", "{EN}网格：{W}{P}", "{W}发现{P}，{X}。",
]
GRID_SERVICE_FRAMES = [
    "入户走访时居民反映：{P}。{X}，{AF}。", "居民{S}反映{P}，{X}。", "走访发现{EN}居民{P}，{AF}。",
    "{H}居民咨询：{P}。{AF}。",
]
RESIDENT_FRAMES = [
    "{O}{W}{P}，{X}，{A}{TH}", "{W}{P}{D}，{C}，{A}", "{P}！{X}！{A}", "{O}我住{H}，{P}，{X}，{A}", "{T}{W}{P}，{C}",
    "{W}{P}，有没有人管？{X}", "{O}{P}，{D}，{C}，{A}{TH}", "{A}：{W}{P}，{X}", "{W}{P}", "{P}，{X}",
    "{O}{H}{P}，{D}。{A}", "{T}{P}，{X}，{C}。{A}", "{W}{P}。{A}{TH}", "{O}{T}{W}{P}，{D}，{X}。{C}！",
    "{P}（{W}）{A}", "{H}{P}，{X}",
]
RESIDENT_SERVICE_FRAMES = [
    "{O}{P}？{A}{TH}", "{O}我是{EN}的居民，{P}，{X}，{A}", "{P}", "{O}{P}。{X}。{TH}", "请问{P}？",
    "{O}{P}，{C}，{A}",
]
PHONE_FRAMES = [
    "{L}{W}{P}，{X}。来电人诉求：{AF}。", "{L}{W}{P}，{D}，要求{AF}。{E}", "{S}来电称，{W}{P}，{X}，希望有关部门尽快处理。",
    "{L}{P}。地址：{W}。{E}", "{L}来电人住{H}，{P}，{C}。{E}", "{L}{T}{W}{P}，{X}。{E}", "{S}反映：{W}{P}{D}，{A}。",
    "{L}{W}{P}。{E}", "{L}{H}{P}，{X}，{AF}。",
]
PHONE_SERVICE_FRAMES = [
    "{L}{P}，{X}。{E}", "{S}来电咨询：{P}。{E}", "{L}来电人住{H}，{P}。请相关部门答复。", "{S}来电：{P}，{AF}。",
]
GRID_HOME_FRAMES = [
    "入户走访时居民反映：{W}{P}，{X}。", "{EN}居民反映{W}{P}，{AF}。", "居民{S}反映：{H}{P}。{GT}", "{H}住户反映{P}，{X}。",
    "走访中{H}居民反映{P}{D}，{AF}。", "{W}{P}（居民反映），{X}",
]
FRAMES = {("grid", False): GRID_FRAMES, ("grid", True): GRID_SERVICE_FRAMES, ("grid", "home"): GRID_HOME_FRAMES,
          ("resident", False): RESIDENT_FRAMES, ("resident", True): RESIDENT_SERVICE_FRAMES,
          ("phone", False): PHONE_FRAMES, ("phone", True): PHONE_SERVICE_FRAMES}


class Slots(dict):
    """Slot values: the ones given, the others drawn from FILL when a phrase first asks for them."""

    rng: random.Random

    def __missing__(self, key):
        rng = self.rng
        if key == "road2":
            value = rng.choice([r for r in words.FILL["road"] if r != self.get("road")])
        elif key == "unit":
            value = rng.choice("一二三1234")
        elif key == "floor":
            value = str(rng.randint(1, 18))
        elif key == "plate":
            value = f"湘C{rng.choice(words.PLATE_LETTERS)}{rng.randrange(10000, 99999)}"
        else:
            value = rng.choice(words.FILL[key])
        self[key] = value
        return value


def tidy(text: str) -> str:
    for a, b in (("？。", "？"), ("发现发现", "发现"), ("发现：发现", "发现："), ("，位置：。", "。"), ("。地址：。", "。"), ("，地点。", "。"), ("，地点", "，"), ("位置：。", ""),
                 ("，，", "，"), ("。，", "。"), ("，。", "。"), ("！，", "！"), ("？，", "？"), ("。。", "。"),
                 ("：，", "："), ("，！", "！"), ("()", ""), ("（）", ""), ("】，", "】"), ("  ", " ")):
        while a in text:
            text = text.replace(a, b)
    text = text.strip("，, ")
    if text.startswith(("。", "：")):
        text = text[1:]
    return text
