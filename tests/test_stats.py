from tests.builders import build_district, withdraw


def test_network_statistics_of_a_small_district(session, runtime, runner):
    build_district(session)
    withdraw(session, "SCH29-S3", "NC-CHEM-11")  # only in chemistry: leaves the network
    from bridge.reports.stats import network_stats

    s = network_stats(session, runtime.settings)
    assert s.schools_by_role == {"base": 1, "participant": 1, "resource_centre": 1}
    assert s.courses == 2 and s.courses_by_subject_area == {"Естественные науки": 1, "Математика и информатика": 1}
    assert s.teachers == 2
    assert s.students == 5 and s.students_by_grade == {11: 5}
    assert s.students_by_school == {"SCH01": 3, "SCH29": 2}
    result = runner.invoke(["report", "stats"])
    assert result.exit_code == 0 and "Students in the network: 5 (grade 11: 5)" in result.output


def test_share_uses_the_district_total(session, runtime):
    from bridge.models import School
    from bridge.reports.stats import network_stats

    build_district(session)
    for school in session.query(School):
        school.student_count = 100
    session.commit()
    assert network_stats(session, runtime.settings).share_percent == 2.0  # 6 of 300
