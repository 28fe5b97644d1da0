"""Reports for schools and the network administrator: attendance per home school, course and
student; marks for a term or the year; students at risk; and an aggregate summary for viewers.

Every report is a :class:`bridge.reports.tables.Table` (column keys, Russian headers, rows), so the
API, CSV and XLSX all come from one builder. Reports are narrowed by a :class:`Scope` (a
coordinator's school, a teacher's courses); reading or exporting student-level rows is audited by
the callers (API, CLI).
"""
