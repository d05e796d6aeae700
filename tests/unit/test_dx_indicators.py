"""The digital-transformation indicator file (reports/indicators.py): levels at the band edges,
scoring rules, and every way a file can be refused (no app needed: pure logic)."""

import json
from types import SimpleNamespace

import pytest

from lms.reports import indicators

DEFAULT = json.loads(indicators.DEFAULT_FILE.read_bytes())


def one_group(points=100):
    raw = json.loads(json.dumps(DEFAULT))
    raw["groups"] = [{"code": "1", "name_vi": "Nhóm", "max_points": 100, "indicators": [
        {"code": "1.1", "name_vi": "Kế hoạch", "mandatory": True,
         "criteria": [{"code": "1.1", "name_vi": "Kế hoạch", "points": None}]},
        {"code": "1.2", "name_vi": "Tự nhập", "criteria": [{"code": "1.2", "name_vi": "Tự nhập", "points": points}]},
    ]}]
    return raw


def parse(raw):
    return indicators.parse(json.dumps(raw).encode())


def entry(points=None, met=False, evidence=1):
    return SimpleNamespace(points=points, met=met, evidence_file_id=evidence)


@pytest.mark.parametrize(("score", "level"), [(0, 1), (49.9, 1), (50, 2), (62.5, 2), (75, 2), (75.1, 3), (100, 3)])
def test_levels_at_the_band_edges(score, level):
    indicator_set = parse(one_group())
    assert indicator_set.level_of(score) == level
    result = indicators.score_school(indicator_set, {}, {"1.2": entry(score)})
    assert result.groups[0].score == score and result.groups[0].level == level and result.level == level


def test_the_default_file_loads_and_says_it_is_unchecked():
    indicator_set = indicators.parse(indicators.DEFAULT_FILE.read_bytes())
    assert not indicator_set.verified and "đối chiếu" in indicator_set.note_vi
    assert [g.catalogued_points for g in indicator_set.groups] == [100, 90]
    assert indicator_set.criterion("1.3.2").measured and indicator_set.criterion("1.1").mandatory


def test_entered_points_are_capped_and_school_level_is_the_lower_group():
    indicator_set = indicators.parse(indicators.DEFAULT_FILE.read_bytes())
    entries = {"1.3.1": entry(60)}  # 6 at most
    result = indicators.score_school(indicator_set, {}, entries)
    assert result.groups[0].score == 6
    metrics = {"self_study_assignments": 3, "inquiries_answered": 1, "quizzes_given": 2,
               "students_with_parent_share": 0.2, "approved_materials": 250, "quiz_subject_share": 1.0,
               "teachers_active_share": 1.0, "teachers_building_share": 1.0}
    entries = {c.code: entry(c.points) for g in indicator_set.groups for c in g.criteria
               if not c.measured and not c.mandatory}
    result = indicators.score_school(indicator_set, metrics, entries)
    assert [g.score for g in result.groups] == [100, 90]
    assert [g.level for g in result.groups] == [3, 3] and result.level == 3
    assert result.groups[1].understated
    entries["2.3.3"] = entry(0)
    result = indicators.score_school(indicator_set, metrics, entries)
    assert result.groups[1].score == 80 and result.groups[1].level == 3 and result.level == 3
    entries["2.3.5"] = entry(0)
    entries["2.4.2"] = entry(0)
    result = indicators.score_school(indicator_set, metrics, entries)
    assert result.groups[1].score == 58 and result.level == 2


def test_a_claim_without_evidence_is_missing():
    indicator_set = parse(one_group())
    result = indicators.score_school(indicator_set, {}, {"1.2": entry(30, evidence=None)})
    assert [r.criterion.code for r in result.missing] == ["1.1", "1.2"]
    result = indicators.score_school(indicator_set, {}, {"1.2": entry(30), "1.1": entry(met=True)})
    assert result.missing == []


@pytest.mark.parametrize(("change", "message"), [
    (lambda raw: raw.update(levels=[]), "“levels”"),
    (lambda raw: raw["levels"][2]["group_score"].update(gt=80), "điểm 75,1"),
    (lambda raw: raw["levels"][1].update(level=1), "hai lần"),
    (lambda raw: raw.update(groups=[]), "“groups”"),
    (lambda raw: raw["groups"][0]["indicators"][1]["criteria"][0].update(points=101), "vượt điểm tối đa"),
    (lambda raw: raw["groups"][0]["indicators"][1]["criteria"][0].update(points=-1), "không âm"),
    (lambda raw: raw["groups"][0]["indicators"][1]["criteria"][0].update(code="1.1"), "hai lần"),
    (lambda raw: raw["groups"][0]["indicators"][1]["criteria"][0].update(measure={"metric": "nope"}), "measure.metric"),
    (lambda raw: raw["groups"][0]["indicators"][1]["criteria"][0].update(
        measure={"metric": "approved_materials", "scale": "count"}), "full_at"),
    (lambda raw: raw.update(school_level_rule="average"), "school_level_rule"),
])
def test_a_bad_file_names_its_problem(change, message):
    raw = one_group()
    change(raw)
    with pytest.raises(indicators.IndicatorFileError) as refused:
        parse(raw)
    assert any(message in p.replace("75.1", "75,1") for p in refused.value.problems), refused.value.problems


def test_not_json_and_not_utf8_are_refused():
    for data, message in ((b"{", "Không đọc được JSON"), ("{}".encode("utf-16"), "UTF-8"), (b"[]", "đối tượng JSON")):
        with pytest.raises(indicators.IndicatorFileError) as refused:
            indicators.parse(data)
        assert message in refused.value.problems[0]


def test_measured_points_scale():
    indicator_set = indicators.parse(indicators.DEFAULT_FILE.read_bytes())
    materials = indicator_set.criterion("1.4")
    assert indicators.measured_points(materials, 0) == 0
    assert indicators.measured_points(materials, 50) == 5
    assert indicators.measured_points(materials, 500) == 10
    assert indicators.measured_points(indicator_set.criterion("1.3.2"), 1) == 6
