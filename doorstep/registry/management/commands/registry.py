"""`doorstep registry import FILE [--commit] [--errors OUT.xlsx] [--district CODE]`, `doorstep registry template
OUT.xlsx` and `doorstep registry example OUT.xlsx|OUT.zip`: the district's population ledger from the command line
(docs/registry-import.md). The command acts as the system (actor None), as the other commands do; the audit event
names it."""

import resource
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from doorstep.core.errors import DomainError
from doorstep.org.models import OrgNode
from doorstep.registry.ledger.columns import KINDS, SHEETS
from doorstep.registry.ledger.services import ledger_run
from doorstep.registry.ledger.workbook import EXAMPLE, errors_xlsx, example_csv_zip, template_xlsx

SHOWN_PROBLEMS = 20


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("人口台账：import 检查或导入（加 --commit 才写入）；template 生成空白模板；example 生成示例台账。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "template", "example"])
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help=gettext("检查无误后写入（默认只检查，不写入）"))
        parser.add_argument("--errors", default="", help=gettext("把问题清单写入这个 Excel 文件"))
        parser.add_argument("--district", default="", help=gettext("导入到哪个区（6位区划代码；系统只有一个区时可不填）"))

    def handle(self, *args, action: str, file: str, commit: bool, errors: str, district: str, **options):
        if action == "template":
            Path(file).write_bytes(template_xlsx())
            self.stdout.write(gettext("已生成空白模板：{file}").format(file=file))
            return
        if action == "example":
            content = example_csv_zip(EXAMPLE) if file.lower().endswith(".zip") else template_xlsx(example=EXAMPLE)
            Path(file).write_bytes(content)
            self.stdout.write(gettext("已生成示例台账：{file}").format(file=file))
            return
        path = Path(file)
        if not path.is_file():
            raise CommandError(gettext("找不到文件：{file}").format(file=file))
        node = None
        if district:
            node = OrgNode.objects.filter(code=district.strip(), level="district").first()
            if node is None:
                raise CommandError(gettext("没有区划代码为 {code} 的区。").format(code=district))
        started = time.perf_counter()
        try:
            report = self._run(path, node, commit)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        elapsed = time.perf_counter() - started
        self._print(report, elapsed)
        if errors and report.problems:
            Path(errors).write_bytes(errors_xlsx(report))
            self.stdout.write(gettext("问题清单已写入：{file}").format(file=errors))
        if not report.ok:
            raise CommandError(gettext("发现 {count} 个错误，未写入任何数据。").format(count=report.error_count))

    def _run(self, path: Path, node, commit: bool):
        content = path.read_bytes()
        if not sys.stdout.isatty():
            return ledger_run(actor=None, content=content, file_name=path.name, district=node, commit=commit)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=False) as bar:
            task = bar.add_task(gettext("导入") if commit else gettext("检查"), total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            return ledger_run(actor=None, content=content, file_name=path.name, district=node, commit=commit,
                              progress=progress)

    def _print(self, report, elapsed: float) -> None:
        write = self.stdout.write
        for kind in KINDS:
            if kind not in report.sheets:
                continue
            c = report.counts[kind]
            write(ngettext("{sheet}：{rows} 行，新增 {new}，更新 {updated}，不变 {unchanged}，有错误 {errors}",
                           "{sheet}：{rows} 行，新增 {new}，更新 {updated}，不变 {unchanged}，有错误 {errors}",
                           c.rows).format(
                sheet=SHEETS[kind].name, rows=c.rows, new=c.new, updated=c.updated, unchanged=c.unchanged,
                errors=c.errors))
        for problem in report.problems[:SHOWN_PROBLEMS]:
            write(gettext("{sheet} 第{row}行 {column}：{message}").format(
                sheet=problem.sheet, row=problem.row, column=problem.column, message=problem.message))
        if len(report.problems) > SHOWN_PROBLEMS:
            write(gettext("……共 {count} 个问题（用 --errors 导出全部）。").format(
                count=report.error_count + report.warning_count))
        if report.absent:
            write(ngettext("系统中另有 {count} 名本区居民不在此台账中，未作改动。",
                           "系统中另有 {count} 名本区居民不在此台账中，未作改动。", report.absent).format(
                count=report.absent))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if report.committed:
            write(gettext("已导入。用时{seconds}秒，内存峰值{memory} MiB。").format(
                seconds=f"{elapsed:.1f}", memory=f"{peak:.0f}"))
        elif report.ok:
            write(gettext("检查通过，未写入（加 --commit 导入）。用时{seconds}秒，内存峰值{memory} MiB。").format(
                seconds=f"{elapsed:.1f}", memory=f"{peak:.0f}"))
