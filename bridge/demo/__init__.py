"""The demo district, modelled on the Volzhsky city network (DESIGN.md).

13 schools (a base school, 6 resource centres, 6 participants), 12 network teachers, 14 network
courses in 5 subject areas, 106 students (26 in grade 9, 80 in grade 11), the current academic
year with its terms, holidays, bell schedules, class timetables and curricula, and a course-choice
campaign over the year's courses with every student's survey answers (three ranked choices), and three
agreements between schools (one for all the provider's courses, two for listed ones; many enrolments are
left without an agreement, so the console has some to flag).

It is generated deterministically (a seeded RNG, the academic year from the date) as the same
template tables schools send, and loaded through the importer, so "running it twice changes
nothing" holds for the same reason it holds for any re-import.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bridge.models import School

Tables = dict[str, list[dict[str, str]]]

TIMEZONE = "Europe/Volgograd"
MUNICIPALITY = "городской округ — город Волжский"
# Who the audit log names for what the demo loads itself (its campaign, its survey answers).
DEMO = "demo"

# (external id, name, short name, role, 5/6-day week, students of the school)
SCHOOLS = [
    ("VLZ-01", "МОУ «Средняя школа № 1 г. Волжского»", "СОШ № 1", "base", 5, 1120),
    ("VLZ-08", "МОУ «Средняя школа № 8 г. Волжского»", "СОШ № 8", "resource_centre", 5, 980),
    ("VLZ-14", "МОУ «Средняя школа № 14 г. Волжского»", "СОШ № 14", "resource_centre", 6, 1040),
    ("VLZ-17", "МОУ «Средняя школа № 17 г. Волжского»", "СОШ № 17", "resource_centre", 5, 870),
    ("VLZ-30", "МОУ «Средняя школа № 30 г. Волжского»", "СОШ № 30", "resource_centre", 5, 1210),
    ("VLZ-32", "МОУ «Средняя школа № 32 г. Волжского»", "СОШ № 32", "resource_centre", 6, 760),
    ("VLZ-37", "МОУ «Средняя школа № 37 г. Волжского»", "СОШ № 37", "resource_centre", 5, 940),
    ("VLZ-06", "МОУ «Средняя школа № 6 г. Волжского»", "СОШ № 6", "participant", 5, 690),
    ("VLZ-09", "МОУ «Средняя школа № 9 г. Волжского»", "СОШ № 9", "participant", 5, 720),
    ("VLZ-15", "МОУ «Средняя школа № 15 г. Волжского»", "СОШ № 15", "participant", 6, 650),
    ("VLZ-29", "МОУ «Средняя школа № 29 г. Волжского»", "СОШ № 29", "participant", 5, 810),
    ("VLZ-35", "МОУ «Средняя школа № 35 г. Волжского»", "СОШ № 35", "participant", 5, 580),
    ("VLZ-KSH", "МОУ «Кадетская школа г. Волжского»", "Кадетская школа", "participant", 6, 420),
]

# (code suffix, title, subject, subject area, grade, hours a week, provider, teacher index)
COURSES = [
    ("MATH-PROF-11", "Профильная математика", "Математика", "Математика и информатика", 11, 2, "VLZ-30", 0),
    ("MATH-OGE-9", "Решение задач повышенной сложности", "Математика", "Математика и информатика", 9, 1, "VLZ-30", 0),
    ("INF-PY-11", "Программирование на Python", "Информатика", "Математика и информатика", 11, 2, "VLZ-14", 1),
    ("INF-ROB-9", "Робототехника", "Информатика", "Математика и информатика", 9, 1, "VLZ-14", 2),
    ("PHYS-11", "Физика: экспериментальные задачи", "Физика", "Естественные науки", 11, 2, "VLZ-08", 3),
    ("CHEM-11", "Химия для медицинских классов", "Химия", "Естественные науки", 11, 2, "VLZ-17", 4),
    ("BIO-11", "Биология: подготовка к ЕГЭ", "Биология", "Естественные науки", 11, 1, "VLZ-17", 5),
    ("CHEM-9", "Занимательная химия", "Химия", "Естественные науки", 9, 1, "VLZ-17", 4),
    ("RUS-ESSAY-11", "Сочинение: теория и практика", "Русский язык", "Филология", 11, 1, "VLZ-32", 6),
    ("ENG-11", "Английский язык: устная часть ЕГЭ", "Английский язык", "Филология", 11, 2, "VLZ-37", 7),
    ("LIT-9", "Литературная мастерская", "Литература", "Филология", 9, 1, "VLZ-32", 8),
    ("SOC-LAW-11", "Основы права", "Обществознание", "Общественные науки", 11, 1, "VLZ-08", 9),
    ("ECON-11", "Финансовая грамотность", "Экономика", "Общественные науки", 11, 1, "VLZ-37", 10),
    ("TECH-3D-11", "3D-моделирование и прототипирование", "Технология", "Технология", 11, 2, "VLZ-14", 11),
]

TEACHERS = [
    ("Кузнецова", "Ирина", "Владимировна", "VLZ-30"),
    ("Орлов", "Дмитрий", "Сергеевич", "VLZ-14"),
    ("Белова", "Анна", "Игоревна", "VLZ-14"),
    ("Лебедев", "Павел", "Андреевич", "VLZ-08"),
    ("Соколова", "Марина", "Петровна", "VLZ-17"),
    ("Морозова", "Елена", "Викторовна", "VLZ-17"),
    ("Фёдорова", "Наталья", "Николаевна", "VLZ-32"),
    ("Григорьева", "Ольга", "Алексеевна", "VLZ-37"),
    ("Никитина", "Светлана", "Юрьевна", "VLZ-32"),
    ("Воробьёв", "Алексей", "Михайлович", "VLZ-08"),
    ("Зайцева", "Татьяна", "Олеговна", "VLZ-37"),
    ("Макаров", "Игорь", "Евгеньевич", "VLZ-14"),
]

MALE_FIRST = ["Александр", "Артём", "Максим", "Михаил", "Иван", "Даниил", "Кирилл", "Егор", "Никита", "Тимофей"]
FEMALE_FIRST = ["Анастасия", "Мария", "Дарья", "Полина", "Виктория", "Алиса", "Ксения", "Софья", "Ева", "Вероника"]
MALE_MIDDLE = ["Александрович", "Сергеевич", "Андреевич", "Дмитриевич", "Игоревич", "Олегович"]
SURNAMES = [
    "Иванов", "Смирнов", "Попов", "Васильев", "Петров", "Новиков", "Волков", "Козлов", "Павлов", "Семёнов",
    "Голубев", "Виноградов", "Богданов", "Тарасов", "Беляев", "Комаров", "Киселёв", "Ковалёв", "Ильин", "Гусев",
]

GRADE_9_STUDENTS = 26
GRADE_11_STUDENTS = 80
PERIOD_MINUTES = 45


def academic_year_of(today: dt.date) -> int:
    """The calendar year the current academic year starts in (it starts on 1 September)."""
    return today.year if today.month >= 8 else today.year - 1


def _d(value: dt.date) -> str:
    return value.isoformat()


def _feminine(word: str, suffix_map: Mapping[str, str]) -> str:
    for end, repl in suffix_map.items():
        if word.endswith(end):
            return word[: -len(end)] + repl
    return word


def _student_name(rng: random.Random) -> tuple[str, str, str]:
    surname = rng.choice(SURNAMES)
    middle = rng.choice(MALE_MIDDLE)
    if rng.random() < 0.5:
        return surname, rng.choice(MALE_FIRST), middle
    return (
        _feminine(surname, {"ёв": "ёва", "ев": "ева", "ов": "ова", "ин": "ина"}),
        rng.choice(FEMALE_FIRST),
        _feminine(middle, {"ич": "на"}),
    )


def _calendar(y: int) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    code = f"{y}-{y + 1}"
    years = [{"year_code": code, "starts_on": _d(dt.date(y, 9, 1)), "ends_on": _d(dt.date(y + 1, 5, 31))}]
    quarters = [
        (dt.date(y, 9, 1), dt.date(y, 10, 24)),
        (dt.date(y, 11, 3), dt.date(y, 12, 27)),
        (dt.date(y + 1, 1, 12), dt.date(y + 1, 3, 20)),
        (dt.date(y + 1, 3, 30), dt.date(y + 1, 5, 26)),
    ]
    terms = [
        {"year_code": code, "school_id": "", "number": str(n), "name": f"{n} четверть",
         "starts_on": _d(a), "ends_on": _d(b)}
        for n, (a, b) in enumerate(quarters, 1)
    ]
    holidays = [
        ("Осенние каникулы", dt.date(y, 10, 25), dt.date(y, 11, 2)),
        ("Зимние каникулы", dt.date(y, 12, 28), dt.date(y + 1, 1, 11)),
        ("День защитника Отечества", dt.date(y + 1, 2, 23), dt.date(y + 1, 2, 23)),
        ("Международный женский день", dt.date(y + 1, 3, 8), dt.date(y + 1, 3, 8)),
        ("Весенние каникулы", dt.date(y + 1, 3, 21), dt.date(y + 1, 3, 29)),
        ("Праздник Весны и Труда", dt.date(y + 1, 5, 1), dt.date(y + 1, 5, 1)),
        ("День Победы", dt.date(y + 1, 5, 9), dt.date(y + 1, 5, 9)),
    ]
    holiday_rows = [
        {"year_code": code, "school_id": "", "name": n, "starts_on": _d(a), "ends_on": _d(b)} for n, a, b in holidays
    ]
    # One school with a day of its own: the regime mismatch the conflict check is for.
    holiday_rows.append({"year_code": code, "school_id": "VLZ-KSH", "name": "День кадета",
                         "starts_on": _d(dt.date(y + 1, 2, 16)), "ends_on": _d(dt.date(y + 1, 2, 16))})
    return years, terms, holiday_rows


def demo_tables(today: dt.date | None = None) -> Tables:
    """The demo district as template tables (template name → rows of string cells)."""
    rng = random.Random(20261)
    y = academic_year_of(today or dt.date.today())
    code = f"{y}-{y + 1}"
    years, terms, holidays = _calendar(y)
    tables: Tables = {"academic_years": years, "terms": terms, "holidays": holidays}

    tables["schools"] = [
        {"school_id": sid, "name": name, "short_name": short, "role": role, "municipality": MUNICIPALITY,
         "address": "", "timezone": TIMEZONE, "week_days": str(days), "student_count": str(count)}
        for sid, name, short, role, days, count in SCHOOLS
    ]
    bells: list[dict[str, str]] = []
    for i, (sid, *_rest) in enumerate(SCHOOLS):
        start = dt.datetime(2000, 1, 1, 8, 0 if i % 2 else 30)
        for period in range(1, 8):
            end = start + dt.timedelta(minutes=PERIOD_MINUTES)
            bells.append({"school_id": sid, "period": str(period),
                          "starts_at": start.strftime("%H:%M"), "ends_at": end.strftime("%H:%M")})
            start = end + dt.timedelta(minutes=20 if period in (2, 3) else 10)
    tables["bell_schedules"] = bells

    tables["teachers"] = [
        {"teacher_id": f"T-{n:03d}", "last_name": last, "first_name": first, "middle_name": middle,
         "email": f"teacher{n:03d}@vlz-school.example", "school_id": sid}
        for n, (last, first, middle, sid) in enumerate(TEACHERS, 1)
    ]

    courses, slots = [], []
    for i, (suffix, title, subject, area, grade, hours, provider, teacher) in enumerate(COURSES):
        course_code = f"NC-{y}-{suffix}"
        courses.append({
            "course_code": course_code, "title": title, "subject": subject, "subject_area": area,
            "grade_from": str(grade), "grade_to": str(grade), "hours_per_week": str(hours),
            "provider_school_id": provider, "year_code": code, "teacher_ids": f"T-{teacher + 1:03d}",
        })
        # Remote lessons after the home schools' own lessons: 14:30 or 15:30, 40 minutes.
        for k in range(hours):
            weekday = (i + 2 * k) % 5 + 1
            slots.append({"course_code": course_code, "weekday": str(weekday),
                          "starts_at": "14:30" if (i + k) % 2 else "15:30", "duration_minutes": "40"})
    tables["courses"], tables["lesson_slots"] = courses, slots

    home_schools = [s[0] for s in SCHOOLS]
    students, enrolments = [], []
    by_grade = {9: [c for c in courses if c["grade_from"] == "9"], 11: [c for c in courses if c["grade_from"] == "11"]}
    grades = [9] * GRADE_9_STUDENTS + [11] * GRADE_11_STUDENTS
    for n, grade in enumerate(grades, 1):
        last, first, middle = _student_name(rng)
        sid = home_schools[rng.randrange(len(home_schools))]
        student_id = f"S-{n:04d}"
        students.append({"student_id": student_id, "last_name": last, "first_name": first, "middle_name": middle,
                         "email": "", "school_id": sid, "grade": str(grade), "class_letter": rng.choice("АБВ")})
        for course in rng.sample(by_grade[grade], k=rng.choice((1, 1, 2, 2, 3))):
            enrolments.append({"student_id": student_id, "course_code": course["course_code"], "status": "active",
                               "starts_on": _d(dt.date(y, 9, 1)), "ends_on": ""})
    tables["students"], tables["enrolments"] = students, enrolments

    # Each school's own curriculum (hours a week per grade) and the class timetable the
    # conflict check compares network lessons with. The schools leave room for the network: their own
    # hours plus the most a student can take (three courses: 3 h in grade 9, 6 h in grade 11) stay within
    # SanPiN's weekly maximum (33/36 h in grade 9, 34/37 h in grade 11, five/six-day week), and no class
    # has a 7th lesson, so home lessons end before the network's 14:30. The one clash the demo keeps is the
    # cadet school's own holiday (above).
    loads, timetable = [], []
    for sid, _name, _short, _role, days, _count in SCHOOLS:
        for grade, hours in ((9, 30 if days == 5 else 33), (11, 28 if days == 5 else 31)):
            loads.append({"school_id": sid, "grade": str(grade), "hours_per_week": str(hours)})
            for letter in "АБВ":
                for lesson in range(hours):
                    weekday, period = lesson % days + 1, lesson // days + 1
                    timetable.append({"school_id": sid, "grade": str(grade), "class_letter": letter,
                                      "weekday": str(weekday), "period": str(period), "subject": ""})
    tables["curriculum_load"], tables["class_timetable"] = loads, timetable
    return tables


class NotTheDemo(Exception):
    """The registry holds schools of its own: the demo (and its generated marks) must not mix with them."""


def check_demo_registry(session: Session) -> None:
    """Refuse a registry that is not empty and not the demo's: the demo's generated attendance and grades
    would read as real in a real registry's reports."""
    ours = [sid for sid, *_ in SCHOOLS]
    others = session.scalars(select(School.external_id).where(School.external_id.not_in(ours))
                             .order_by(School.external_id)).all()
    if others:
        count = session.scalar(select(func.count()).select_from(School))
        raise NotTheDemo(f"this registry is not the demo's: {len(others)} of its {count} schools are not demo "
                         f"schools (e.g. {others[0]}); load the demo into an empty database "
                         f"(NETCOURSES_DATABASE_URL=sqlite:///demo.db netcourses demo)")


def load_demo(session: Session, today: dt.date | None = None):
    """Load (or re-load, changing nothing) the demo district through the importer, and its rule of
    face-to-face sessions: the third Saturday of every month at the base school, and the contest."""
    from bridge.calendar.face_to_face import add_session
    from bridge.models import AcademicYear, FaceToFaceRule, FaceToFaceSession, HolidayPolicy, SessionKind
    from bridge.transfer import import_tables

    report = import_tables(session, demo_tables(today), source="demo")
    session.flush()
    y = academic_year_of(today or dt.date.today())
    year = session.scalar(select(AcademicYear).where(AcademicYear.code == f"{y}-{y + 1}"))
    base = session.scalar(select(School).where(School.external_id == SCHOOLS[0][0]))
    if session.scalar(select(FaceToFaceRule.id).where(FaceToFaceRule.academic_year_id == year.id)) is None:
        session.add(FaceToFaceRule(academic_year_id=year.id, school_id=base.id, room="актовый зал", nth=3, weekday=6,
                                   starts_at=dt.time(10, 0), ends_at=dt.time(14, 0),
                                   holiday_policy=HolidayPolicy.NEXT_WEEK))
    contest = select(FaceToFaceSession.id).where(FaceToFaceSession.academic_year_id == year.id,
                                                 FaceToFaceSession.kind == SessionKind.CONTEST)
    if session.scalar(contest) is None:
        add_session(session, academic_year=year, school=base, start=dt.datetime(y + 1, 5, 22, 10, 0),
                    end=dt.datetime(y + 1, 5, 22, 15, 0), room="актовый зал")
    _campaign(session, y, today or dt.date.today())
    _agreements(session, y)
    return report


def _agreements(session: Session, y: int) -> None:
    """The demo's agreements between schools, loaded once through the same import as an agreements file."""
    from bridge.agreements.files import import_agreements
    from bridge.models import AcademicYear, Agreement

    year = select(AcademicYear.id).where(AcademicYear.code == f"{y}-{y + 1}").scalar_subquery()
    if session.scalar(select(Agreement.id).where(Agreement.academic_year_id == year)) is not None:
        return
    lines = ["provider,receiver,year,number,date,courses,rate",
             f"VLZ-30,VLZ-06,{y}-{y + 1},СФ-30/06,{y}-08-26,all,1200.00",
             f'VLZ-14,VLZ-29,{y}-{y + 1},СФ-14/29,{y}-08-27,"NC-{y}-INF-PY-11, NC-{y}-TECH-3D-11",1350.00',
             f"VLZ-30,VLZ-29,{y}-{y + 1},СФ-30/29,{y}-08-27,NC-{y}-MATH-PROF-11,"]
    import_agreements(session, "demo-agreements.csv", "\n".join(lines).encode(), by="demo")


def _campaign(session: Session, y: int, today: dt.date) -> None:
    """The demo's course-choice campaign and its survey answers, loaded once (through the same
    services as a campaign file and a survey import)."""
    from sqlalchemy import select

    from bridge.choices.campaigns import save_campaign
    from bridge.choices.survey import import_answers
    from bridge.models import ChoiceCampaign

    code = f"VYBOR-{y}"
    if session.scalar(select(ChoiceCampaign.id).where(ChoiceCampaign.code == code)) is not None:
        return
    campaign = save_campaign(session, {
        "code": code, "title": f"Выбор сетевых курсов {y}-{y + 1}", "year": f"{y}-{y + 1}",
        "opens_at": f"{y}-09-01T00:00:00+03:00", "closes_at": f"{y + 1}-05-31T23:59:00+03:00",
        "max_choices": 3, "rank_weights": [3, 2, 1],
        "rules": [{"grade": grade, "min_courses": 1, "max_courses": 2} for grade in (9, 11)],
        "offers": [{"course": f"NC-{y}-{suffix}", "min_size": 5, "max_size": 15}
                   for suffix, *_ in COURSES],
    }, by=DEMO)
    rng = random.Random(20262)
    by_grade: dict[int, list[str]] = {}
    for suffix, _title, _subject, _area, grade, *_ in COURSES:
        by_grade.setdefault(grade, []).append(f"NC-{y}-{suffix}")
    grades = [9] * GRADE_9_STUDENTS + [11] * GRADE_11_STUDENTS
    lines = ["student,choice_1,choice_2,choice_3"] + [
        ",".join([f"S-{n:04d}", *rng.sample(by_grade[grade], k=3)]) for n, grade in enumerate(grades, 1)]
    import_answers(session, campaign, "demo-survey.csv", "\n".join(lines).encode(), today=today, by=DEMO)
