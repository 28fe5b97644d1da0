"""Agreements between schools (договор о сетевой форме реализации образовательной программы) and the hours
taught under them: ``records.py`` the agreements themselves (checked terms, save, delete, who sees which),
``files.py`` import and export as CSV/XLSX, ``hours.py`` lessons held, academic hours, each receiving
school's share of a group and the amount per month, the teachers' network hours and the enrolments no
agreement covers, ``statement.py`` a month's statement as data and as XLSX."""
