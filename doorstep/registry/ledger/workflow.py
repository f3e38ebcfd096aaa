"""The states of a ledger import job (LedgerImport) as a table, in plain Python (no Django), tested directly.

queued → checking (the background dry run) → checked (no errors: its owner may confirm) | rejected (errors: a
corrected file is uploaded as a new job) | failed (the check itself broke). checked → importing (confirmed) → done
| rejected (the registry changed since the check and the file no longer imports cleanly: nothing was written) |
failed. Who may confirm is the authority table (authority.py).
"""

from enum import StrEnum


class State(StrEnum):
    QUEUED = "queued"
    CHECKING = "checking"
    CHECKED = "checked"
    REJECTED = "rejected"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"


class Step(StrEnum):
    START_CHECK = "start_check"
    PASS = "pass"
    FIND_ERRORS = "find_errors"
    BREAK = "break"
    CONFIRM = "confirm"
    FINISH = "finish"


TRANSITIONS: dict[tuple[State, Step], State] = {
    (State.QUEUED, Step.START_CHECK): State.CHECKING,
    (State.CHECKING, Step.PASS): State.CHECKED,
    (State.CHECKING, Step.FIND_ERRORS): State.REJECTED,
    (State.CHECKING, Step.BREAK): State.FAILED,
    (State.CHECKED, Step.CONFIRM): State.IMPORTING,
    (State.IMPORTING, Step.FINISH): State.DONE,
    (State.IMPORTING, Step.FIND_ERRORS): State.REJECTED,
    (State.IMPORTING, Step.BREAK): State.FAILED,
}
RUNNING = frozenset({State.QUEUED, State.CHECKING, State.IMPORTING})  # the page keeps polling these


class IllegalStep(Exception):
    def __init__(self, state: str, step: str):
        super().__init__(f"{step} is not allowed from {state}")
        self.state, self.step = state, step


def advance(state: str, step: str) -> State:
    """The state after `step`, or IllegalStep."""
    try:
        return TRANSITIONS[(State(state), Step(step))]
    except (KeyError, ValueError):
        raise IllegalStep(state, step) from None


def allowed(state: str, step: str) -> bool:
    try:
        return (State(state), Step(step)) in TRANSITIONS
    except ValueError:
        return False
