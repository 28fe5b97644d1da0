"""Made-up students to send in bulk (tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Collection

from moodle_client import NewUser


def new_students(n: int, *, bad: Collection[int] = ()) -> list[NewUser]:
    """``n`` new students of one school; those at positions in ``bad`` have a username Moodle refuses."""
    return [
        NewUser(
            f"Bad User {i}" if i in bad else f"sch14.student{i:06d}",
            "Ученик",
            f"Номер{i}",
            f"student{i:06d}@sch14.example.ru",
            createpassword=True,
            idnumber=f"SCH14-S-{i:06d}",
            institution="МОУ СОШ 14",
            department="10А",
            city="Тверь",
            country="RU",
        )
        for i in range(n)
    ]
