"""`doorstep catalog import FILE|starter` and `doorstep catalog export FILE`: the district's list of items (YAML)."""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from doorstep.catalog.services import catalog_export_data, catalog_import_starter, catalog_import_yaml
from doorstep.core.errors import DomainError


class Command(BaseCommand):
    help = "事项目录：import 导入 YAML（starter 为内置示例目录）；export 导出 YAML。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("file")

    def handle(self, *args, action: str, file: str, **options):
        if action == "export":
            Path(file).write_text(yaml.safe_dump(catalog_export_data(), allow_unicode=True, sort_keys=False),
                                  encoding="utf-8")
            self.stdout.write(f"已导出到 {file}")
            return
        try:
            if file == "starter":
                counts = catalog_import_starter()
            elif Path(file).is_file():
                counts = catalog_import_yaml(actor=None, text=Path(file).read_text(encoding="utf-8"))
            else:
                raise CommandError(f"找不到文件：{file}")
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已导入 {counts['items']} 个事项。")
