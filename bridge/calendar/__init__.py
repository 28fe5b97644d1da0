"""Calendars of the network: face-to-face sessions, iCalendar feeds and their secret links, and the
checks of timetables (conflicts with class timetables, the SanPiN weekly load)."""
