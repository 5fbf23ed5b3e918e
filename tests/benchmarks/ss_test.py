"""Tests for benchmarks/ss.py: keeping recorded seeds and saying when each was measured."""

import json

from benchmarks import ss


def test_recorded_rows_carry_the_date_they_were_measured_on(tmp_path):
  path = tmp_path / "ss_x.json"
  assert ss.recorded_rows(str(path)) == {}
  path.write_text(json.dumps({"date": "2026-11-25", "runs": [
      {"seed": 0, "accuracy": 0.86},  # written before rows had dates: the file's date
      {"seed": 1, "accuracy": 0.87, "date": "2026-11-30"}]}))
  rows = ss.recorded_rows(str(path))
  assert rows[0] == {"seed": 0, "accuracy": 0.86, "date": "2026-11-25"}
  assert rows[1]["date"] == "2026-11-30"


def test_dates_name_each_seed_only_when_they_differ():
  same = [{"seed": 0, "date": "2026-11-30"}, {"seed": 1, "date": "2026-11-30"}]
  assert ss.dates(same) == "2026-11-30"
  mixed = [{"seed": 0, "date": "2026-11-25"}, {"seed": 2, "date": "2026-11-30"}]
  assert ss.dates(mixed) == "measured seed 0 on 2026-11-25, seed 2 on 2026-11-30"
