"""A statement of an agreement's month as data (the API's JSON, the printable page) and as an XLSX workbook.

It names schools, courses and teachers, never students: the counts and shares of each group are all the
settlement needs (students are minors). Text cells go through :mod:`bridge.spreadsheets`, so a course
title such as ``=HYPERLINK(...)`` stays text; figures stay numbers (hours and amounts as decimals).
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from bridge.agreements.hours import Statement
from bridge.agreements.records import rate_text
from bridge.spreadsheets import xlsx_cells

HEADERS = ("Курс", "Название", "Педагог", "Занятий по плану", "Проведено занятий", "Академических часов",
           "Обучающихся в группе", "Из школы-получателя", "Доля, %", "Часов школе-получателю", "Сумма, руб.")


def title(st: Statement) -> str:
    a = st.agreement
    return (f"Ведомость часов по договору № {a.number} от {a.signed_on:%d.%m.%Y} за {st.month.label}")


def as_dict(st: Statement) -> dict[str, Any]:
    a = st.agreement
    money = (lambda v: None if v is None else str(v))
    return {
        "agreement": {"id": a.id, "number": a.number, "date": a.signed_on.isoformat(),
                      "provider": a.provider_school.external_id, "receiver": a.receiver_school.external_id,
                      "year": a.academic_year.code, "all_courses": a.all_courses,
                      "rate": rate_text(a.rate_kopecks) or None},
        "month": str(st.month),
        "groups": [{"course": g.code, "title": g.title, "teachers": list(g.teachers),
                    "lessons_planned": g.lessons_planned, "lessons_held": g.lessons_held,
                    "academic_hours": g.hours_held, "group_students": g.group_students,
                    "receiver_students": g.receiver_students,
                    "share": f"{g.share.numerator}/{g.share.denominator}", "share_percent": str(g.share_percent),
                    "hours": str(g.hours), "amount": money(g.amount)} for g in st.groups],
        "totals": {"lessons_held": st.lessons_held, "academic_hours": st.hours_held, "hours": str(st.hours),
                   "amount": money(st.amount)},
        "note": st.note,
    }


def statement_xlsx(st: Statement) -> bytes:
    a = st.agreement
    book = Workbook()
    sheet = book.active
    sheet.title = "Ведомость"
    rate = "не установлена" if a.rate is None else f"{a.rate:.2f} руб. за академический час"
    for line in (title(st), f"Исполнитель: {a.provider_school.name}", f"Получатель: {a.receiver_school.name}",
                 f"Учебный год: {a.academic_year.code}; ставка: {rate}"):
        sheet.append(xlsx_cells(sheet, [line]))
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    sheet.append(xlsx_cells(sheet, HEADERS))
    for cell in sheet[6]:
        cell.font = Font(bold=True)
    for g in st.groups:
        sheet.append(xlsx_cells(sheet, [g.code, g.title, ", ".join(g.teachers), g.lessons_planned, g.lessons_held,
                                        g.hours_held, g.group_students, g.receiver_students, g.share_percent,
                                        g.hours, g.amount]))
    sheet.append(xlsx_cells(sheet, ["Итого", "", "", sum(g.lessons_planned for g in st.groups), st.lessons_held,
                                    st.hours_held, None, None, None, st.hours, st.amount]))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    if st.note:
        sheet.append([])
        sheet.append(xlsx_cells(sheet, [st.note]))
    for column, width in zip("ABCDEFGHIJK", (14, 30, 30, 10, 10, 10, 10, 10, 8, 12, 14)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
