"""The words of the state machines' refusals (cases.workflow, incidents.workflow): a Label from a table and a Reason
that says why an action is not allowed, both in plain Python (no Django) so the machines stay testable without it.
The Chinese is the msgid; `Reason.text(gettext, pgettext)` translates where the sentence is shown.
"""

from collections.abc import Callable
from dataclasses import dataclass


def gettext_noop(message: str) -> str:
    """Marks a label for the catalog without importing Django (the labels stay Chinese, the source language)."""
    return message


def pgettext_noop(context: str, message: str) -> str:
    """gettext_noop with a context."""
    return message


_same = gettext_noop
_same_in = pgettext_noop


@dataclass(frozen=True)
class Label:
    """A label from a table, translated where the sentence holding it is shown: its msgid and its context."""

    msgid: str
    context: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why something is not allowed, in words a person reads: a message with named placeholders (python-brace-format;
    the msgid, in Chinese, the source language) and its values — a Label, a tuple of Labels (alternatives: any one of
    them) or plain text (data, such as a node's name, shown as it is). `text` gives it in the language of the gettext
    functions passed: Chinese as is without them, so this module needs no Django; services pass Django's."""

    message: str
    values: tuple[tuple[str, object], ...] = ()

    def text(self, gettext: Callable[[str], str] = _same,
             pgettext: Callable[[str, str], str] = _same_in) -> str:
        def label(value: Label) -> str:
            return pgettext(value.context, value.msgid) if value.context else gettext(value.msgid)

        shown = {}
        for name, value in self.values:
            if isinstance(value, Label):
                shown[name] = label(value)
            elif isinstance(value, tuple):
                shown[name] = pgettext("alternatives", "、").join(label(v) for v in value)
            else:
                shown[name] = str(value)
        return gettext(self.message).format(**shown)
