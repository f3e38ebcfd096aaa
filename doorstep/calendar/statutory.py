"""The rest days the law fixes in every year, for years whose State Council notice is not imported yet.

《全国年节及纪念日放假办法》 (as revised by 国务院令第795号, 2024, in force from 2025) gives all citizens 13 days
off: 元旦 (1 January), 春节 (农历除夕 and 正月初一 to 初三), 清明节 (the day of the solar term), 劳动节 (1 and 2 May),
端午节, 中秋节, 国庆节 (1 to 3 October). The lunar and solar-term dates come from the `holidays` library (its China
calendar, https://github.com/vacanza/holidays), not from our own arithmetic. What a yearly notice adds — the
weekends swapped into longer breaks (调休) and the working Saturdays — cannot be known before it is published, so a
year filled from here stays "missing" for the warnings until its notice is imported.
"""

import datetime
from functools import lru_cache

# the names the `holidays` library gives the statutory days in its zh_CN language, and ours. Anything else it lists is
# left out: its "（补假）" days (a day in lieu of a holiday on a weekend) are not Chinese law — the yearly notice
# swaps weekends instead (调休) — and its 调休 days of past years are the notices', which our table holds.
STATUTORY_NAMES = {"元旦": "元旦", "农历除夕": "春节（除夕）", "春节": "春节", "清明节": "清明节", "劳动节": "劳动节",
                   "端午节": "端午节", "中秋节": "中秋节", "国庆节": "国庆节"}


@lru_cache(maxsize=64)
def statutory_rest_days(year: int) -> dict[datetime.date, str]:
    """{date: name} of the law's rest days in `year`, however they fall (a Saturday 国庆节 is listed too: the notice
    decides the swap). Empty for a year the library cannot compute."""
    import holidays

    try:
        calendar = holidays.country_holidays("CN", years=year, language="zh_CN")
    except (NotImplementedError, KeyError, ValueError):
        return {}
    days: dict[datetime.date, str] = {}
    for day, names in calendar.items():
        ours = [STATUTORY_NAMES[n] for n in str(names).split("; ") if n in STATUTORY_NAMES]
        if ours:
            days[day] = "、".join(ours)  # 中秋节 and 国庆节 may fall on one day (2028-10-03)
    return days
