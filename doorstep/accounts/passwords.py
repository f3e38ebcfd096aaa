"""Password policy: at least 8 characters (Django's validator), 3 of 4 character classes, not a common password
(Django's list), not easy to guess (zxcvbn, with the words Chinese passwords are made of) and not close to the
account's login name, name or the name's pinyin."""

import re
import string
from difflib import SequenceMatcher

from django.contrib.auth.password_validation import exceeds_maximum_length_ratio
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.names import name_pinyin

# Words Chinese users build passwords from, which zxcvbn's English dictionaries lack: pinyin phrases, brands, places,
# system words and the common surnames (《百家姓》's most frequent, by the 2020 census ranking of the Ministry of
# Public Security). "Admin@123", "Woaini@1314" and "Zhang@1990" pass the class rule; these words make zxcvbn see them.
CHINESE_PASSWORD_WORDS = (
    "woaini aini woaini1314 nihao zhongguo china huawei xiaomi baidu tencent weixin wechat taobao alibaba beijing "
    "shanghai hunan changsha xiangtan yuhu doorstep admin administrator root test user guest qq iloveyou mima "
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang xie song tang "
    "han deng feng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao jin "
    "fu zhong dai cui tan liao fan fang shi qiu xiong meng qin bai yan"
).split()


def character_classes(password: str) -> int:
    return sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or (not c.isalnum() and not c.isspace()) for c in password),
        ]
    )


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。"),
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。") % {"n": self.min_classes}


class GuessabilityValidator:
    """Refuses a password zxcvbn (Wheeler, "zxcvbn: Low-Budget Password Strength Estimation", USENIX Security 2016)
    scores below `min_score`: score 3 means about 10^8 guesses or more. Word plus year or keyboard-row passwords
    score 2 or less; so does a random 8-character one (zxcvbn counts 10^8 for it), which a ninth character fixes.
    zxcvbn reads at most the first 64 characters (it slows on long input; longer passwords score well anyway)."""

    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        from zxcvbn import zxcvbn

        inputs = list(CHINESE_PASSWORD_WORDS)
        if user is not None:
            full_name = str(getattr(user, "full_name", "") or "")
            inputs += [str(getattr(user, "username", "") or ""), name_pinyin(full_name)[0] if full_name else ""]
        if zxcvbn(password[:64], user_inputs=[i for i in inputs if i])["score"] < self.min_score:
            raise ValidationError(
                _("密码太容易被猜到：请不要用常见单词、拼音、姓氏、键盘顺序、年份或重复的数字，可以再加长一些。"),
                code="password_guessable",
            )

    def get_help_text(self) -> str:
        return _("密码不能是常见单词、拼音或键盘顺序加数字（如 Admin@123、Woaini@1314）。")


class NameSimilarityValidator:
    """Django's UserAttributeSimilarityValidator rule (difflib quick ratio ≥ max_similarity against each attribute
    and its parts), applied to the login name (a resident's phone), the name and the name's pinyin — which Django's
    validator cannot see, since 谢小波 and `xiexiaobo2026` share no characters. A password that merely contains one
    of them (4 or more letters, or 2 or more Chinese characters) is refused too: `Xiexiaobo@19900307` is as easy to
    guess for someone who knows the name, though its ratio is only 0.67.

    The name's pinyin initials (`xxb` for 谢小波, at least `min_initials` letters) are refused when they are the
    password's only word — fewer than `min_initials` other letters beside them (`xxb@2026A`, `Wmh@123456`) — or
    stand next to `min_login_digits` or more digits of the login name (`XXB@138000` for 13800000001)."""

    LABELS = {"username": gettext_lazy("登录名"), "full_name": gettext_lazy("姓名"),
              "pinyin": gettext_lazy("姓名拼音"), "given_pinyin": gettext_lazy("姓名拼音"),
              "initials": gettext_lazy("姓名拼音首字母")}

    def __init__(self, max_similarity: float = 0.7, min_contained: int = 4, min_initials: int = 3,
                 min_login_digits: int = 4):
        self.max_similarity = max_similarity
        self.min_contained = min_contained
        self.min_initials = min_initials
        self.min_login_digits = min_login_digits

    @staticmethod
    def _values(user) -> dict[str, str]:
        full_name = str(getattr(user, "full_name", "") or "").strip()
        return {
            "username": str(getattr(user, "username", "") or ""),
            "full_name": full_name,
            "pinyin": name_pinyin(full_name)[0] if full_name else "",
            # the given name alone (谢小波 → xiaobo): "Xiaobo@2026" is as guessable as the whole name
            "given_pinyin": name_pinyin(full_name[1:])[0] if len(full_name) >= 2 else "",
        }

    def _contained(self, part: str, password: str) -> bool:
        enough = len(part) >= (2 if not part.isascii() else self.min_contained)
        return enough and part in password

    def _initials_close(self, initials: str, username: str, password: str) -> bool:
        """The initials as the password's only word, or beside a run of digits taken from the login name."""
        if len(initials) < self.min_initials or not initials.isascii() or initials not in password:
            return False
        others = sum(c.isalpha() for c in password.replace(initials, " "))
        if others < self.min_initials:
            return True
        n = self.min_login_digits
        return any(run[i:i + n] in username
                   for run in re.findall(rf"\d{{{n},}}", password) for i in range(len(run) - n + 1))

    def validate(self, password: str, user=None) -> None:
        if not user:
            return
        lowered = password.lower()
        values = self._values(user)
        for attribute, value in values.items():
            if not value:
                continue
            value = value.lower()
            # the login name also in its words: clerk_s01a → clerk (Clerk@2026), s, a
            for part in {*re.split(r"[\W_\d]+" if attribute == "username" else r"\W+", value), value}:
                if not part:
                    continue
                close = not exceeds_maximum_length_ratio(lowered, self.max_similarity, part) and (
                    SequenceMatcher(a=lowered, b=part).quick_ratio() >= self.max_similarity
                )
                if close or self._contained(part, lowered):
                    raise self._refusal(attribute)
        if values["full_name"] and self._initials_close(name_pinyin(values["full_name"])[1], values["username"],
                                                        lowered):
            raise self._refusal("initials")

    def _refusal(self, attribute: str) -> ValidationError:
        return ValidationError(
            _("密码与您的%(what)s过于相近，容易被猜到。"),
            code="password_too_similar",
            params={"what": self.LABELS[attribute]},
        )

    def get_help_text(self) -> str:
        return _("密码不能与登录名、姓名、姓名拼音或其首字母相近。")
