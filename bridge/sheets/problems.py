"""What can be wrong with an import, and how to say it.

A problem is a place (file, row as Excel shows it, column) and a reason code with parameters.
The reason texts live in one table, English for the CLI and Russian for the web UI, so a
surface picks its language and never has to parse a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# code -> (English, Russian). Parameters are filled with str.format.
REASONS: dict[str, tuple[str, str]] = {
    # files
    "wrong_encoding": (
        "wrong encoding: the file is neither UTF-8 nor Windows-1251 text",
        "неверная кодировка: файл не в UTF-8 и не в Windows-1251",
    ),
    "unreadable": ("cannot read the file: {detail}", "не удаётся прочитать файл: {detail}"),
    "file_too_large": (
        "unpacks to more than {limit} (imports.max_file_bytes): nothing was read further",
        "в распакованном виде больше {limit} (imports.max_file_bytes): дальше не читается",
    ),
    "total_too_large": (
        "the files together unpack to more than {limit} (imports.max_total_bytes): nothing was read further",
        "файлы вместе в распакованном виде больше {limit} (imports.max_total_bytes): дальше не читается",
    ),
    "csv_error": ("malformed CSV: {detail}", "ошибка формата CSV: {detail}"),
    "unknown_template": (
        "cannot tell which template this is: name it after a template (e.g. students.csv) or use a template's columns",
        "не удаётся определить шаблон: назовите файл по шаблону (например, students.csv) или используйте столбцы шаблона",
    ),
    "no_files": ("no CSV or XLSX files to import", "нет файлов CSV или XLSX для импорта"),
    # headers
    "missing_column": ("required column is missing", "нет обязательного столбца"),
    "unknown_column": ("unknown column for template {template}", "неизвестный столбец для шаблона {template}"),
    "duplicate_column": ("the column appears twice", "столбец повторяется"),
    "unnamed_column": ("values in a column without a name", "значения в столбце без названия"),
    # cells
    "required": ("a value is required", "не заполнено обязательное поле"),
    "too_long": ("longer than {max} characters", "длиннее {max} символов"),
    "markup": (
        "may not contain < or > (Moodle refuses markup in names and titles): {value}",
        "не может содержать < и > (Moodle не принимает разметку в именах и названиях): {value}",
    ),
    "bad_id": ("an identifier may not contain commas: {value}", "идентификатор не может содержать запятые: {value}"),
    "not_integer": ("not a whole number: {value}", "не целое число: {value}"),
    "out_of_range": ("{value} is not between {lo} and {hi}", "{value} — вне диапазона {lo}–{hi}"),
    "bad_date": ("not a date (YYYY-MM-DD or DD.MM.YYYY): {value}", "не дата (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ): {value}"),
    "bad_time": ("not a time (HH:MM): {value}", "не время (ЧЧ:ММ): {value}"),
    "bad_choice": ("{value} is not one of: {allowed}", "недопустимое значение {value}; допустимы: {allowed}"),
    "bad_weekday": ("not a weekday (1-7 or пн..вс): {value}", "не день недели (1–7 или пн…вс): {value}"),
    "bad_timezone": ("unknown time zone: {value}", "неизвестный часовой пояс: {value}"),
    "bad_email": ("not an e-mail address: {value}", "не адрес электронной почты: {value}"),
    "bad_year_code": (
        "not an academic year code like 2026-2027: {value}",
        "код учебного года должен быть вида 2026-2027: {value}",
    ),
    # rows
    "ends_before_starts": ("ends ({ends}) before it starts ({starts})", "окончание ({ends}) раньше начала ({starts})"),
    "ends_not_after_starts": (
        "must end after it starts ({starts} to {ends})",
        "окончание ({ends}) должно быть позже начала ({starts})",
    ),
    "grades_reversed": ("grade_to {to} is below grade_from {frm}", "grade_to {to} меньше grade_from {frm}"),
    "duplicate": ("duplicate of row {row}", "повторяет строку {row}"),
    "duplicate_in": ("duplicate of row {row} of {file}", "повторяет строку {row} файла {file}"),
    # references
    "unknown_school": ("unknown school {value}", "неизвестная школа {value}"),
    "unknown_year": ("unknown academic year {value}", "неизвестный учебный год {value}"),
    "unknown_teacher": ("unknown teacher {value}", "неизвестный педагог {value}"),
    "unknown_student": ("unknown student {value}", "неизвестный обучающийся {value}"),
    "unknown_course": ("unknown course {value}", "неизвестный курс {value}"),
    "grade_mismatch": (
        "student {student} is in grade {grade} but course {course} is for grades {lo}-{hi}",
        "обучающийся {student} учится в {grade} классе, а курс {course} — для {lo}–{hi} классов",
    ),
    "term_outside_year": (
        "the term is outside academic year {year} ({starts} to {ends})",
        "четверть выходит за границы учебного года {year} ({starts} — {ends})",
    ),
    # course choice (survey answers)
    "not_offered": ("course {value} is not offered in campaign {campaign}", "курс {value} не предлагается в кампании {campaign}"),
    "choice_twice": ("course {value} is chosen twice (also in {other})", "курс {value} выбран дважды (также в {other})"),
    "too_many_choices": (
        "more choices than the campaign allows ({max})",
        "больше выборов, чем допускает кампания ({max})",
    ),
    "other_school": ("student {value} is of another school", "обучающийся {value} из другой школы"),
    # agreements between schools
    "bad_amount": (
        "not a sum in roubles (at most two decimals, e.g. 1500.00): {value}",
        "не сумма в рублях (не больше двух знаков после запятой, например 1500,00): {value}",
    ),
    "same_school": ("the receiving school is the providing school", "школа-получатель совпадает со школой-исполнителем"),
    "not_provider_course": (
        "course {value} is not a course of {provider} in {year}",
        "курс {value} — не курс школы {provider} в {year} учебном году",
    ),
    "agreement_exists": (
        "agreement {value} between these schools for {year} exists already",
        "договор {value} между этими школами на {year} учебный год уже есть",
    ),
    # OneRoster
    "or_version": (
        "unsupported OneRoster version {value} (1.1 and 1.2 are supported)",
        "неподдерживаемая версия OneRoster {value} (поддерживаются 1.1 и 1.2)",
    ),
    "or_mode": ("{value} is not bulk, delta or absent", "{value} — не bulk, delta или absent"),
    "or_file_missing": (
        "the manifest declares {name} as {mode} but the file is missing",
        "в manifest.csv файл {name} объявлен как {mode}, но его нет",
    ),
    "or_not_school": ("org {value} is a {type}, not a school", "организация {value} — {type}, а не школа"),
    "or_unknown_session": ("unknown academic session {value}", "неизвестный учебный период {value}"),
    "or_unknown_course": ("unknown course {value}", "неизвестный курс {value}"),
    "or_unknown_class": ("unknown class {value}", "неизвестный класс (группа) {value}"),
}

LANGUAGES = ("en", "ru")


@dataclass(frozen=True)
class Problem:
    """One defect of an import. ``row`` is the row as a spreadsheet shows it (header = 1);
    ``row`` 0 and an empty ``column`` mean the whole file."""

    file: str
    row: int
    column: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def reason_in(self, language: str) -> str:
        text = REASONS[self.code][LANGUAGES.index(language)]
        return text.format(**self.params)

    @property
    def reason(self) -> str:
        return self.reason_in("en")

    @property
    def location(self) -> str:
        parts = [self.file]
        if self.row:
            parts.append(str(self.row))
            if self.column:
                parts.append(self.column)
        elif self.column:
            parts.append(self.column)
        return ":".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"

    def to_dict(self, language: str = "en") -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "reason": self.reason_in(language),
        }


class ImportRejected(Exception):
    """The import had defects; nothing was written. ``problems`` lists them in file order, the first
    ``limit`` of them (``imports.max_problems``): a file of a million bad rows must not become a page of a
    million lines. ``more`` counts the rest, so that ``total`` is every problem found."""

    def __init__(self, problems: Iterable[Problem], *, limit: int | None = None, more: int = 0) -> None:
        ordered = sorted(problems, key=lambda p: (p.file, p.row, p.column))
        self.problems = ordered[:limit]
        self.more = more + len(ordered) - len(self.problems)
        super().__init__(f"import rejected: {self.total} problem(s), nothing was changed")

    @property
    def total(self) -> int:
        return len(self.problems) + self.more

    def to_dict(self) -> dict[str, Any]:
        """The problems as codes and parameters (an import job keeps them as its outcome), each text
        then made in the reader's language as it is here."""
        return {"more": self.more, "problems": [
            {"file": p.file, "row": p.row, "column": p.column, "code": p.code,
             "params": {k: str(v) for k, v in p.params.items()}} for p in self.problems]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImportRejected:
        return cls([Problem(**p) for p in data["problems"]], more=data["more"])


class CellProblem(Exception):
    """Raised by a cell parser; the caller knows the place and turns it into a :class:`Problem`."""

    def __init__(self, code: str, **params: Any) -> None:
        assert code in REASONS, code
        self.code = code
        self.params = params
        super().__init__(code)
