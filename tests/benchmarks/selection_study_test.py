"""The selection study: its statistics, and the docs table is what its results files give."""

import glob
import json
import os
import re

import numpy as np
import pytest

from benchmarks import selection_study as study


def test_spearman_with_ties_and_constants():
  assert study.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
  assert study.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
  assert study.spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(
      np.corrcoef([0.5, 0.5, 2, 3], [0, 1, 2, 3])[0, 1])
  assert np.isnan(study.spearman([1, 1, 1], [1, 2, 3]))


def test_regret_and_the_one_std_rule(tmp_path):
  result = {"label": "x", "runs": [{"seed": s, "workdir": f"w{s}", "acc": a, "L_I_cat0": li}
                                   for s, a, li in [(0, 0.9, 1.0), (1, 0.6, 2.0), (2, 0.7, 1.5)]],
            "selection": {"centrality": [0.5, 0.6, 0.4]}}
  found = study.criteria_of(result)
  assert found == {"centrality": [0.5, 0.6, 0.4], "info_generated": [1.0, 2.0, 1.5]}
  path = tmp_path / "selection_x.json"
  path.write_text(json.dumps(result))
  out = study.study([str(path)])
  row = out["settings"][0]["criteria"]["centrality"]  # picks seed 1: 0.6, the best is 0.9
  assert row["regret"] == pytest.approx(0.3) and row["pick_rank"] == 3
  assert row["more_than_one_std_below_best"]  # 0.3 > std(0.9, 0.6, 0.7) = 0.153
  assert out["summary"]["centrality"]["acc"]["regret_worst"] == pytest.approx(0.3)


def test_the_docs_table_is_rendered_from_the_results_files():
  paths = [p for p in glob.glob(os.path.join(study.RESULTS, "selection_*.json"))
           if not p.endswith("selection_study.json")]
  lines = study.table(study.study(paths))
  with open(study.DOC) as f:
    block = re.search(re.escape(study.START) + r"\n(.*?)\n" + re.escape(study.END), f.read(),
                      re.S).group(1)
  assert block.strip().splitlines() == lines, (
      "docs/selection.md is stale: python -m benchmarks.selection_study --render")
