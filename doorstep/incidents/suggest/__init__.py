"""Dispatch suggestion (派单建议): which department and category a report's text should go to, learnt from the
dispatcher's past decisions. Pure Python and scikit-learn (no Django): the service layer feeds it decisions and
stores the trained model's bytes."""

from doorstep.incidents.suggest.model import (
    FORMAT_VERSION,
    ModelFormatError,
    Ranked,
    Sample,
    Suggester,
    Suggestion,
    cold_start_samples,
    normalize,
)

__all__ = [
    "FORMAT_VERSION",
    "ModelFormatError",
    "Ranked",
    "Sample",
    "Suggester",
    "Suggestion",
    "cold_start_samples",
    "normalize",
]
