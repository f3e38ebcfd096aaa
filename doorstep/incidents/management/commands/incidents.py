"""`doorstep incidents …`: the incident categories (import/export), the dispatch suggestion (suggest, train) and the
supervision sweep, from the command line.

- `doorstep incidents suggest [--file F] [TEXT]` prints one JSON object per input line (the TEXT argument, else each
  non-empty line of F, else of standard input): {"department": "<short name>", "category": "<code>",
  "confidence": <0..1>, "top3": [{"department": …, "confidence": …}, …]} (issue #13 item 7).
- `doorstep incidents train` trains on every dispatch decision and prints what it measured on the newest tenth.
- `doorstep incidents categories import FILE|starter` / `categories export FILE` (.yaml, or .xlsx for Excel).
- `doorstep incidents sweep` runs the supervision sweep once (huey runs it every ten minutes).
"""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from doorstep.core.errors import DomainError

SUGGESTION_KEYS = ("department", "category", "confidence", "top3")


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return gettext("事件：suggest 派遣建议；train 训练派遣建议模型；categories import/export 事件类别；sweep 督办扫描。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="command", required=True)
        suggest = sub.add_parser("suggest")
        suggest.add_argument("text", nargs="?", default=None)
        suggest.add_argument("--file", default=None)
        sub.add_parser("train")
        sub.add_parser("sweep")
        categories = sub.add_parser("categories")
        categories.add_argument("action", choices=["import", "export"])
        categories.add_argument("file")

    def handle(self, *args, command: str, **options):
        try:
            getattr(self, f"_{command}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _suggest(self, *, text=None, file=None, **_options):
        from doorstep.incidents.suggest.service import current_suggester

        model = current_suggester()
        if model is None:
            raise CommandError(gettext("还没有事件类别：请先导入（doorstep incidents categories import starter）。"))
        if text is not None:
            lines = [text]
        elif file is not None and file != "-":
            path = Path(file)
            if not path.is_file():
                raise CommandError(gettext("找不到文件：{file}").format(file=file))
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        else:
            lines = sys.stdin.read().splitlines()
        texts = [line.strip() for line in lines]  # one object per line, an empty line too (its answer is the prior)
        for suggestion in model.suggest_many(texts):
            shown = suggestion.as_json()
            self.stdout.write(json.dumps({k: shown[k] for k in SUGGESTION_KEYS}, ensure_ascii=False))

    def _train(self, **_options):
        from doorstep.incidents.suggest.service import suggester_train

        result = suggester_train()
        measured = result["measured"]
        self.stdout.write(gettext("已用 {samples} 条派遣决定训练派遣建议模型（{seconds} 秒）。").format(
            samples=result["samples"], seconds=result["seconds"]))
        if measured.get("n"):
            self.stdout.write(gettext("在最近的 {n} 条（未参与训练）上：部门首选命中 {top1:.1%}，前三命中 {top3:.1%}，"
                                      "类别命中 {category:.1%}。").format(**measured))

    def _sweep(self, **_options):
        from doorstep.incidents.services.supervision import supervision_sweep

        counts = supervision_sweep()
        self.stdout.write(gettext("即将超期 {due_soon} 件，超期 {overdue} 件，本次督办 {escalated} 次。").format(**counts))

    def _categories(self, *, action: str, file: str, **_options):
        from doorstep.incidents.services import categories

        excel = file.lower().endswith(".xlsx")
        if action == "export":
            if excel:
                Path(file).write_bytes(categories.categories_export_xlsx())
            else:
                Path(file).write_text(categories.categories_export_yaml(), encoding="utf-8")
            self.stdout.write(gettext("已导出到 {file}").format(file=file))
            return
        if file == "starter":
            counts = categories.categories_import_starter()
        elif not Path(file).is_file():
            raise CommandError(gettext("找不到文件：{file}").format(file=file))
        elif excel:
            counts = categories.categories_import_xlsx(actor=None, content=Path(file).read_bytes())
        else:
            counts = categories.categories_import_yaml(actor=None, text=Path(file).read_text(encoding="utf-8"))
        self.stdout.write(gettext("已导入 {departments} 个部门、{categories} 个事件类别（新增 {created}，更新 {updated}，"
                                  "未变 {unchanged}）。").format(**counts))
