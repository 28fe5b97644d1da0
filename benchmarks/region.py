"""A region-size registry as import template tables, generated deterministically.

``region_tables()`` returns template name -> rows of string cells, exactly what
:func:`bridge.transfer.import_tables` takes (the sync benchmark reuses it). Russian names, one
base school, resource centres that provide the courses, participants, students in grades 5-11
and enrolments that fit each course's grades.

    python -m benchmarks.region --out /tmp/region      # also write the tables as CSV files
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from collections import defaultdict
from pathlib import Path

YEAR = "2026-2027"
YEAR_STARTS = dt.date(2026, 9, 1)
SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров",
    "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев",
    "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев",
)
MALE = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл", "Михаил",
        "Никита", "Матвей", "Роман", "Егор", "Иван")
FEMALE = ("Анна", "Мария", "Елена", "Дарья", "Алина", "Ирина", "Екатерина", "Арина", "Полина", "Ольга",
          "Юлия", "Татьяна", "Наталья", "Виктория", "Ксения")
FATHERS = ("Александров", "Дмитриев", "Сергеев", "Андреев", "Алексеев", "Михайлов", "Иванов", "Николаев",
           "Петров", "Викторов")
MUNICIPALITIES = tuple(f"{n} муниципальный район" for n in (
    "Волжский", "Лузский", "Камышинский", "Михайловский", "Урюпинский", "Котельниковский", "Фроловский",
    "Калачёвский", "Палласовский", "Серафимовичский", "Дубовский", "Иловлинский"))
SUBJECTS = (
    ("Робототехника", "Технология", "Технология"),
    ("Химия (углублённый уровень)", "Химия", "Естественнонаучные предметы"),
    ("Физика (углублённый уровень)", "Физика", "Естественнонаучные предметы"),
    ("Информатика и программирование", "Информатика", "Математика и информатика"),
    ("Математика: подготовка к ЕГЭ", "Математика", "Математика и информатика"),
    ("Биология и экология", "Биология", "Естественнонаучные предметы"),
    ("Английский язык: разговорный курс", "Иностранный язык", "Иностранные языки"),
    ("Обществознание и право", "Обществознание", "Общественно-научные предметы"),
    ("История родного края", "История", "Общественно-научные предметы"),
    ("Основы журналистики", "Литература", "Русский язык и литература"),
)
GRADE_SPANS = ((9, 9), (10, 10), (11, 11), (10, 11), (9, 11), (8, 9), (5, 7), (7, 8))
BELLS = ("08:30", "09:20", "10:20", "11:20", "12:20", "13:20", "14:10")
LETTERS = "АБВГ"


def _person(rng: random.Random) -> dict[str, str]:
    surname, female = rng.choice(SURNAMES), rng.random() < 0.5
    if female:
        return {"last_name": surname + "а", "first_name": rng.choice(FEMALE), "middle_name": rng.choice(FATHERS) + "на"}
    return {"last_name": surname, "first_name": rng.choice(MALE), "middle_name": rng.choice(FATHERS) + "ич"}


def region_tables(
    schools: int = 1000, students: int = 60000, courses: int = 3000, enrolments: int = 120000, seed: int = 1
) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(seed)
    t: dict[str, list[dict[str, str]]] = defaultdict(list)
    school_ids = [f"sch-{n:04d}" for n in range(1, schools + 1)]
    centres = school_ids[: max(1, schools // 7)]  # the first one is the base school
    for n, sid in enumerate(school_ids):
        role = "base" if n == 0 else "resource_centre" if sid in centres else "participant"
        t["schools"].append({
            "school_id": sid, "name": f"МОУ СОШ № {n + 1}", "short_name": f"СОШ {n + 1}", "role": role,
            "municipality": MUNICIPALITIES[n % len(MUNICIPALITIES)], "address": f"ул. Школьная, {n % 90 + 1}",
            "timezone": "Europe/Volgograd" if n % 5 else "Europe/Moscow", "week_days": "6" if n % 4 == 0 else "5",
            "student_count": str(rng.randint(150, 1500)),
        })
        for period, start in enumerate(BELLS, start=1):
            h, m = map(int, start.split(":"))
            t["bell_schedules"].append({"school_id": sid, "period": str(period), "starts_at": start,
                                        "ends_at": f"{h + (m + 40) // 60:02d}:{(m + 40) % 60:02d}"})
        for grade in range(1, 12):
            t["curriculum_load"].append({"school_id": sid, "grade": str(grade), "hours_per_week": str(20 + grade)})
        for weekday in range(1, 6):
            for period in range(1, 7):
                t["class_timetable"].append({"school_id": sid, "grade": "9", "class_letter": "А",
                                             "weekday": str(weekday), "period": str(period),
                                             "subject": SUBJECTS[(weekday + period) % len(SUBJECTS)][1]})
    t["academic_years"].append({"year_code": YEAR, "starts_on": YEAR_STARTS.isoformat(), "ends_on": "2027-05-31"})
    for number, (name, starts, ends) in enumerate((
        ("1 четверть", "2026-09-01", "2026-10-24"), ("2 четверть", "2026-11-05", "2026-12-28"),
        ("3 четверть", "2027-01-11", "2027-03-20"), ("4 четверть", "2027-03-30", "2027-05-31"),
    ), start=1):
        t["terms"].append({"year_code": YEAR, "school_id": "", "number": str(number), "name": name,
                           "starts_on": starts, "ends_on": ends})
    for name, starts, ends in (("Осенние каникулы", "2026-10-25", "2026-11-04"),
                               ("Зимние каникулы", "2026-12-29", "2027-01-10"),
                               ("Весенние каникулы", "2027-03-21", "2027-03-29")):
        t["holidays"].append({"year_code": YEAR, "school_id": "", "name": name, "starts_on": starts, "ends_on": ends})
    teacher_ids = [f"t-{n:05d}" for n in range(1, courses // 2 + 2)]
    for n, tid in enumerate(teacher_ids):
        t["teachers"].append({"teacher_id": tid, **_person(rng), "email": f"{tid}@teachers.example.ru",
                              "school_id": centres[n % len(centres)]})
    by_grade: dict[int, list[str]] = defaultdict(list)
    for n in range(1, students + 1):
        sid, grade = f"s-{n:06d}", rng.choice((5, 6, 7, 8, 9, 9, 10, 10, 11, 11))
        by_grade[grade].append(sid)
        t["students"].append({"student_id": sid, **_person(rng), "email": "", "school_id": rng.choice(school_ids),
                              "grade": str(grade), "class_letter": rng.choice(LETTERS)})
    pools = {(lo, hi): [s for g in range(lo, hi + 1) for s in by_grade[g]] for lo, hi in GRADE_SPANS}
    spans = []
    for n in range(1, courses + 1):
        code, (title, subject, area) = f"c-{n:05d}", SUBJECTS[n % len(SUBJECTS)]
        lo, hi = GRADE_SPANS[n % len(GRADE_SPANS)]
        spans.append((code, pools[lo, hi]))
        # Two courses per teacher, every tenth course with a second teacher; taught at the teacher's school.
        first = (n - 1) // 2
        teachers = teacher_ids[first : first + (2 if n % 10 == 0 else 1)]
        provider = centres[first % len(centres)]
        t["courses"].append({
            "course_code": code, "title": f"{title} ({lo}-{hi} кл.)", "subject": subject, "subject_area": area,
            "grade_from": str(lo), "grade_to": str(hi), "hours_per_week": str(1 + n % 3),
            "provider_school_id": provider, "year_code": YEAR, "teacher_ids": ",".join(teachers),
        })
        for weekday in (1 + n % 5, 1 + (n + 2) % 5):
            t["lesson_slots"].append({"course_code": code, "weekday": str(weekday),
                                      "starts_at": ("14:30", "15:20", "16:10")[n % 3], "duration_minutes": "40"})
    taken: set[tuple[str, str]] = set()
    while len(taken) < enrolments:
        code, pool = spans[len(taken) % len(spans)]
        pair = (rng.choice(pool), code)
        if pair not in taken:
            taken.add(pair)
            t["enrolments"].append({"student_id": pair[0], "course_code": code, "status": "active",
                                    "starts_on": "2026-09-01", "ends_on": ""})
    return dict(t)


def write_csvs(tables: dict[str, list[dict[str, str]]], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_csvs(region_tables(seed=args.seed), args.out)
    print(f"wrote {args.out}")
