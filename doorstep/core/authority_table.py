"""An authority table's two questions, shared by every app that keeps one (hall, wishes, incidents): may this role
take this action given the relations that hold, and if not, why — naming the relations that would. Plain Python (no
Django), so the tables stay testable without it; the words are msgids translated where the reason is shown."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from doorstep.core.workflow_text import Label, Reason


def _noop(message: str) -> str:
    return message


@dataclass(frozen=True)
class AuthorityTable:
    """`table`: (role, action) → the relations of which one must hold; `relation_labels` and `relation_context` name
    them; `action_label(action)` names an action. `not_role` and `only_who` are the refusals' msgids
    (python-brace-format with {action} and {who})."""

    table: Mapping[tuple[str, object], frozenset]
    relation_labels: Mapping
    relation_context: str
    action_label: Callable[[object], Label]
    not_role: str = _noop("您的角色不能“{action}”。")
    only_who: str = _noop("只有{who}可以“{action}”。")

    def permitted(self, role: str, action, held: frozenset) -> bool:
        """Whether the table lets this role take this action given the relations that hold."""
        return bool(self.table.get((role, action), frozenset()) & held)

    def refusal(self, role: str, action, held: frozenset) -> Reason | None:
        """None when permitted; else the reason, naming who may."""
        needed = self.table.get((role, action))
        label = self.action_label(action)
        if not needed:
            return Reason(self.not_role, (("action", label),))
        if needed & held:
            return None
        who = tuple(Label(self.relation_labels[r], self.relation_context) for r in sorted(needed))
        return Reason(self.only_who, (("who", who), ("action", label)))
