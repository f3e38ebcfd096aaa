"""What a ledger run reports: its problems (sheet, row, column, masked value, message), per-sheet counts, and
how a personal number is shown in a report."""

from dataclasses import asdict, dataclass, field

from doorstep.core.idnumbers import clean_document_text, mask_document
from doorstep.registry.ledger.columns import KINDS

ERROR, WARNING = "error", "warning"


@dataclass
class Problem:
    sheet: str  # as the file names it
    row: int  # as Excel shows it (the header's row for a missing column)
    column: str  # the header as the file spells it (the template's for a missing one)
    value: str  # personal numbers masked
    message: str  # in the reader's language (the one active while checking)
    level: str = ERROR


@dataclass
class Counts:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0  # rows with at least one error


@dataclass
class Report:
    format: str
    district: str
    sha256: str = ""
    file_name: str = ""
    committed: bool = False
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    sheets: dict[str, str] = field(default_factory=dict)  # kind → the sheet's name in the file
    # the first DOORSTEP_LEDGER_MAX_PROBLEMS found, sorted by sheet (the template's order), row and column
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    absent: int = 0  # residents of the district the file does not list (left alone)
    changed_fields: dict[str, int] = field(default_factory=dict)  # resident field → residents updated in it
    unknown_sheets: list[str] = field(default_factory=list)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def as_json(self, *, first: int = 100) -> dict:
        """What a job keeps: everything but the problems past the first `first`."""
        data = asdict(self)
        data["problems"] = data["problems"][:first]
        return data


def mask_value(kind: str, value: str) -> str:
    """A personal number as a problem report may show it (reports travel by USB stick and e-mail): the masks the
    pages use for valid numbers (core.idnumbers.mask_document), the same shape for anything else typed there."""
    cleaned = clean_document_text(value)
    if kind == "phone":
        cleaned = "".join(c for c in cleaned if c.isdigit()) or cleaned
        if len(cleaned) >= 11:
            return cleaned[:3] + "*" * (len(cleaned) - 7) + cleaned[-4:]
    return mask_document(cleaned)
