"""工作日历 for district administrators: which years are loaded and from where, the missing-year warning, and importing
a year's State Council notice (the same YAML the `doorstep calendar import` command reads), pasted or uploaded."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doorstep.accounts.pages import workspace_page
from doorstep.calendar.models import CalendarDay, CalendarYear
from doorstep.calendar.selectors import calendar_warnings
from doorstep.calendar.services import EXAMPLE_NOTICE, calendar_import_notice
from doorstep.core.errors import ValidationFailed

MAX_NOTICE_BYTES = 64 * 1024


@workspace_page("calendar:index")
def calendar_index(request):
    today = timezone.localdate()
    text = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                if upload.size > MAX_NOTICE_BYTES:
                    raise ValidationFailed(_("文件超过 64 KB：放假通知的 YAML 只有几行。"), field="file")
                try:
                    text = upload.read().decode("utf-8")
                except UnicodeDecodeError:
                    raise ValidationFailed(_("文件须为 UTF-8 编码的 YAML。"), field="file") from None
            else:
                text = str(request.POST.get("text", ""))[:MAX_NOTICE_BYTES]
            if not text.strip():
                raise ValidationFailed(_("请粘贴放假通知的内容，或选择 YAML 文件。"), field="text")
            year, days = calendar_import_notice(actor=request.user, text=text)
        except ValidationFailed as exc:
            return render(request, "calendar/index.html", _context(today, text=text, error=exc.message), status=400)
        messages.success(request, ngettext("已导入%(year)s年放假安排：%(days)s天（放假日与调休上班日）。",
                                           "已导入%(year)s年放假安排：%(days)s天（放假日与调休上班日）。", days)
                         % {"year": year, "days": days})
        return redirect("calendar:index")
    return render(request, "calendar/index.html", _context(today, text=text))


def _context(today, *, text: str, error: str = "") -> dict:
    years = list(CalendarYear.objects.order_by("-year"))
    upcoming = list(CalendarDay.objects.filter(date__gte=today).order_by("date")[:30])
    return {"years": years, "upcoming": upcoming, "warnings": calendar_warnings(today), "text": text,
            "error": error, "example": EXAMPLE_NOTICE}
