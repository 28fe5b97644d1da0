"""Course choice and network group formation (комплектование сетевых групп).

- :mod:`~bridge.choices.campaigns`: a campaign, its offers and rules, from a file or a mapping;
- :mod:`~bridge.choices.survey`: students' ranked choices: set one student's, import survey answers
  (CSV/XLSX, all-or-nothing), export them;
- :mod:`~bridge.choices.instance`: the registry read into the solver's data (grades in the campaign's
  year, weekly slots placed against each class's bells, loads against the SanPiN maximum);
- :mod:`~bridge.choices.solver`: the allocation model in CP-SAT, a pure function of that data;
- :mod:`~bridge.choices.allocation`: a run stored with its report; :mod:`~bridge.choices.approval`:
  a run turned into enrolments, and what a new run changes against the approved one.
"""
