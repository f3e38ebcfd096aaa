"""`doorstep catalog import FILE|starter` and `doorstep catalog export FILE`: the district's list of items, as YAML
or, when the file name ends in .xlsx, as an Excel workbook."""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from doorstep.catalog.services import (
    catalog_export_data,
    catalog_export_xlsx,
    catalog_import_starter,
    catalog_import_xlsx,
    catalog_import_yaml,
)
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    @property
    def help(self) -> str:  # worded when the parser is made, in the language then active (argparse needs a str)
        return gettext("事项目录：import 导入 YAML 或 Excel（starter 为内置示例目录）；export 导出（文件名以 .xlsx 结尾则为 Excel）。")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("file")

    def handle(self, *args, action: str, file: str, **options):
        excel = file.lower().endswith(".xlsx")
        if action == "export" and excel:
            Path(file).write_bytes(catalog_export_xlsx())
            self.stdout.write(gettext("已导出到 {file}").format(file=file))
            return
        if action == "export":
            Path(file).write_text(yaml.safe_dump(catalog_export_data(), allow_unicode=True, sort_keys=False),
                                  encoding="utf-8")
            self.stdout.write(gettext("已导出到 {file}").format(file=file))
            return
        try:
            if file == "starter":
                counts = catalog_import_starter()
            elif excel and Path(file).is_file():
                counts = catalog_import_xlsx(actor=None, content=Path(file).read_bytes())
            elif Path(file).is_file():
                counts = catalog_import_yaml(actor=None, text=Path(file).read_text(encoding="utf-8"))
            else:
                raise CommandError(gettext("找不到文件：{file}").format(file=file))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(ngettext("已导入 {count} 个事项。", "已导入 {count} 个事项。", counts["items"]).format(
            count=counts["items"]))
