"""`doorstep hall …`: the service hall from the command line (issue #14).

- `doorstep hall staffing --arrivals 100 --interval-minutes 30 --handle-minutes 3 --target-seconds 20
  --service-level 0.8 [--max-occupancy 0.85] [--simulate [--customers N] [--seed S]] [--json]` prints the windows
  Erlang C needs to serve that share within the target and the service level they give (for these figures: 14 and
  0.888, pyworkforce's documented example); --simulate also runs the same hall through the ciw simulation; --json
  prints one object: {"windows": 14, "service_level": 0.888, "probability_of_waiting": 0.174,
  "average_wait_seconds": 7.8, "occupancy": 0.714, "load_erlangs": 10.0} (+ "simulated_service_level",
  "simulated_customers" with --simulate). Levels and shares are rounded to 3 places, seconds to 1.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from doorstep.core.errors import DomainError


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return gettext("服务大厅：staffing 按 Erlang C 测算需要的窗口数；estimates 用历史取号记录测算等候时间预估的准确度。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="command", required=True)
        staffing = sub.add_parser("staffing", help=gettext("测算需要的窗口数及其服务水平"))
        # Numbers are read as text and converted here, so a bad one gets a Chinese message, not argparse's English.
        staffing.add_argument("--arrivals", required=True, help=gettext("时段内到达的人数"))
        staffing.add_argument("--interval-minutes", default="60", help=gettext("时段长度（分钟），默认 60"))
        staffing.add_argument("--handle-minutes", required=True, help=gettext("平均办理时长（分钟）"))
        staffing.add_argument("--target-seconds", required=True, help=gettext("目标等待时间（秒）"))
        staffing.add_argument("--service-level", required=True, help=gettext("等待不超过目标的人数比例，如 0.8"))
        staffing.add_argument("--max-occupancy", default=None, help=gettext("窗口最高占用率，如 0.85"))
        staffing.add_argument("--simulate", action="store_true", help=gettext("再用离散事件模拟核对服务水平"))
        staffing.add_argument("--customers", default="40000", help=gettext("模拟的人数，默认 40000"))
        staffing.add_argument("--seed", default="1", help=gettext("模拟的随机种子，默认 1"))
        staffing.add_argument("--json", action="store_true", dest="as_json", help=gettext("输出 JSON"))

        estimates = sub.add_parser("estimates", help=gettext("用历史取号记录测算等候时间预估的准确度并保存"))
        estimates.add_argument("--days", default="90", help=gettext("用最近多少天的记录，默认 90"))

    def handle(self, *args, command: str, **options):
        try:
            getattr(self, f"_{command}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _staffing(self, *, arrivals, interval_minutes="60", handle_minutes, target_seconds, service_level,
                  max_occupancy=None, simulate=False, customers="40000", seed="1", as_json=False, **_options):
        from doorstep.hall.staffing.erlang import agents_needed

        arrivals = _number(arrivals, "--arrivals")
        interval_minutes = _number(interval_minutes, "--interval-minutes")
        handle_minutes = _number(handle_minutes, "--handle-minutes")
        target_seconds = _number(target_seconds, "--target-seconds")
        service_level = _number(service_level, "--service-level")
        max_occupancy = None if max_occupancy is None else _number(max_occupancy, "--max-occupancy")
        customers = _integer(customers, "--customers")
        seed = _integer(seed, "--seed")
        interval_seconds = interval_minutes * 60
        handle_seconds = handle_minutes * 60
        figures = agents_needed(arrivals=arrivals, interval_seconds=interval_seconds, handle_seconds=handle_seconds,
                                target_seconds=target_seconds, service_level=service_level,
                                max_occupancy=max_occupancy)
        shown = {
            "windows": figures.agents,
            "service_level": round(figures.service_level, 3),
            "probability_of_waiting": round(figures.probability_of_waiting, 3),
            "average_wait_seconds": round(figures.average_speed_of_answer_seconds, 1),
            "occupancy": round(figures.occupancy, 3),
            "load_erlangs": round(figures.load_erlangs, 3),
        }
        check = None
        if simulate:
            from doorstep.hall.staffing.simulation import check_erlang_c

            check = check_erlang_c(arrivals=arrivals, interval_seconds=interval_seconds,
                                   handle_seconds=handle_seconds, agents=figures.agents,
                                   target_seconds=target_seconds, customers=customers, seed=seed)
            shown["simulated_service_level"] = round(check.simulated_service_level, 3)
            shown["simulated_customers"] = check.customers
        if as_json:
            self.stdout.write(json.dumps(shown, ensure_ascii=False))
            return
        self.stdout.write(gettext(
            "每 {interval:g} 分钟到达 {arrivals:g} 人、平均办理 {handle:g} 分钟：需要 {windows} 个窗口，"
            "{target:g} 秒内被叫到的比例为 {level:.3f}（目标 {wanted:g}）。").format(
                interval=interval_minutes, arrivals=arrivals, handle=handle_minutes, windows=figures.agents,
                target=target_seconds, level=figures.service_level, wanted=service_level))
        self.stdout.write(gettext(
            "窗口数 {windows}　服务水平 {level:.3f}　需等待的概率 {waiting:.3f}　平均等待 {wait:.1f} 秒　"
            "窗口占用率 {occupancy:.3f}　话务量 {load:.3f} 爱尔兰").format(
                windows=figures.agents, level=figures.service_level, waiting=figures.probability_of_waiting,
                wait=figures.average_speed_of_answer_seconds, occupancy=figures.occupancy,
                load=figures.load_erlangs))
        if check is not None:
            self.stdout.write(gettext(
                "模拟 {customers} 人（泊松到达、指数办理时长、无人离开）：服务水平 {simulated:.3f}，"
                "与 Erlang C 相差 {difference:+.3f}。").format(
                    customers=check.customers, simulated=check.simulated_service_level,
                    difference=check.difference))


def _number(text, option: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise CommandError(gettext("{option} 必须是数字（收到 {value}）。").format(option=option, value=text)) from None


def _integer(text, option: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise CommandError(gettext("{option} 必须是整数（收到 {value}）。").format(option=option, value=text)) from None

    def _estimates(self, *, days="90", **_options):
        from doorstep.hall.figures.estimates import wait_calibrate

        try:
            days = int(str(days))
        except ValueError:
            raise CommandError(gettext("--days 必须是整数（收到 {value}）。").format(value=days)) from None
        if not 7 <= days <= 366:
            raise CommandError(gettext("--days 应在 7 到 366 之间。"))
        rows = wait_calibrate(days=days)
        if not rows:
            self.stdout.write(gettext("历史取号记录不足，未能测算。"))
        for row in rows:
            where = row.center.name if row.center_id else gettext("全区")
            self.stdout.write(gettext("{where}：样本 {n}，区间系数 {low:.2f}–{high:.2f}，第80百分位误差 {error} 分钟，"
                                      "落入区间 {coverage:.0%}").format(
                where=where, n=row.tickets, low=row.low, high=row.high, error=row.p80_error_minutes,
                coverage=row.coverage))
