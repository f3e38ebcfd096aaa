"""Password policy: at least 8 characters (Django's validator), 3 of 4 character classes, not a common password
(Django's list) and not close to the account's login name, name or the name's pinyin."""

import re
import string
from difflib import SequenceMatcher

from django.contrib.auth.password_validation import exceeds_maximum_length_ratio
from django.core.exceptions import ValidationError

from doorstep.core.names import name_pinyin


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
                "密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。",
                code="password_too_simple",
                params={"n": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少{self.min_classes}类。"


class NameSimilarityValidator:
    """Django's UserAttributeSimilarityValidator rule (difflib quick ratio ≥ max_similarity against each attribute
    and its parts), applied to the login name (a resident's phone), the name and the name's pinyin — which Django's
    validator cannot see, since 谢小波 and `xiexiaobo2026` share no characters. A password that merely contains one
    of them (4 or more letters, or 2 or more Chinese characters) is refused too: `Xiexiaobo@19900307` is as easy to
    guess for someone who knows the name, though its ratio is only 0.67."""

    LABELS = {"username": "登录名", "full_name": "姓名", "pinyin": "姓名拼音"}

    def __init__(self, max_similarity: float = 0.7, min_contained: int = 4):
        self.max_similarity = max_similarity
        self.min_contained = min_contained

    @staticmethod
    def _values(user) -> dict[str, str]:
        full_name = str(getattr(user, "full_name", "") or "").strip()
        return {
            "username": str(getattr(user, "username", "") or ""),
            "full_name": full_name,
            "pinyin": name_pinyin(full_name)[0] if full_name else "",
        }

    def _contained(self, part: str, password: str) -> bool:
        enough = len(part) >= (2 if not part.isascii() else self.min_contained)
        return enough and part in password

    def validate(self, password: str, user=None) -> None:
        if not user:
            return
        lowered = password.lower()
        for attribute, value in self._values(user).items():
            if not value:
                continue
            value = value.lower()
            for part in {*re.split(r"\W+", value), value}:
                if not part:
                    continue
                close = not exceeds_maximum_length_ratio(lowered, self.max_similarity, part) and (
                    SequenceMatcher(a=lowered, b=part).quick_ratio() >= self.max_similarity
                )
                if close or self._contained(part, lowered):
                    raise ValidationError(
                        "密码与您的%(what)s过于相近，容易被猜到。",
                        code="password_too_similar",
                        params={"what": self.LABELS[attribute]},
                    )

    def get_help_text(self) -> str:
        return "密码不能与登录名、姓名或姓名拼音相近。"
