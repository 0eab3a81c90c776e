"""The State Council's published schedules of public holidays and adjusted working days (放假调休安排)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Schedule:
    """One year's notice: holiday periods (inclusive) and the weekend days worked in exchange (调休上班)."""

    title: str
    source: str
    holidays: tuple[tuple[str, date, date], ...]
    workdays: tuple[tuple[str, date], ...]

    def exceptions(self) -> list[tuple[date, str, str]]:
        """(day, kind, name) rows that differ from the weekday rule, in date order.

        A holiday period's Saturdays and Sundays do not count anyway, so only its weekdays become
        'holiday' rows; the announced working days all fall on weekends and become 'workday' rows.
        """
        rows = []
        for name, first, last in self.holidays:
            day = first
            while day <= last:
                if day.weekday() < 5:
                    rows.append((day, "holiday", name))
                day += timedelta(days=1)
        rows += [(day, "workday", f"{name}调休上班") for name, day in self.workdays]
        return sorted(rows)


# 国务院办公厅关于2026年部分节假日安排的通知, dated 2025-11-04, released in full by Xinhua:
# https://politics.gmw.cn/2025-11/04/content_38391083.htm (Guangming Online, 新华社北京11月4日电);
# the State Council's own page: https://www.gov.cn/zhengce/content/202511/content_7047090.htm
NOTICE_2026 = Schedule(
    title="国务院办公厅关于2026年部分节假日安排的通知",
    source="https://www.gov.cn/zhengce/content/202511/content_7047090.htm",
    holidays=(
        ("元旦", date(2026, 1, 1), date(2026, 1, 3)),
        ("春节", date(2026, 2, 15), date(2026, 2, 23)),
        ("清明节", date(2026, 4, 4), date(2026, 4, 6)),
        ("劳动节", date(2026, 5, 1), date(2026, 5, 5)),
        ("端午节", date(2026, 6, 19), date(2026, 6, 21)),
        ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
    ),
    workdays=(
        ("元旦", date(2026, 1, 4)),
        ("春节", date(2026, 2, 14)),
        ("春节", date(2026, 2, 28)),
        ("劳动节", date(2026, 5, 9)),
        ("国庆节", date(2026, 9, 20)),
        ("国庆节", date(2026, 10, 10)),
    ),
)

SCHEDULES: dict[int, Schedule] = {2026: NOTICE_2026}
