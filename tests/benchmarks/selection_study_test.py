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


def test_a_refined_file_joins_its_source_by_seed(tmp_path):
  """The refined runs' criteria and true scores join the raw setting seed by seed (the refined
  file lists its seeds in another order here), and the refined file is no setting of its own."""
  raw = {"label": "x", "runs": [{"seed": s, "workdir": f"w{s}", "acc": a}
                                for s, a in [(0, 0.9), (1, 0.6), (2, 0.7)]],
         "selection": {"centrality": [0.5, 0.6, 0.4]}}
  source = tmp_path / "selection_x.json"
  source.write_text(json.dumps(raw))
  refined = {"label": "x, every seed refined", "source": os.path.relpath(source, study.ROOT),
             "runs": [{"seed": s, "workdir": f"w{s}/refined", "acc": a}
                      for s, a in [(2, 0.95), (0, 0.93), (1, 0.65)]],
             "selection": {"centrality": [0.7, 0.9, 0.1]},  # seeds 2, 0, 1: picks seed 0
             "refine_and_select_share_of_sweep": 0.05}
  (tmp_path / "selection_refined_x.json").write_text(json.dumps(refined))
  out = study.study([str(source), str(tmp_path / "selection_refined_x.json")])
  assert {s["true_score"] for s in out["settings"]} == {"acc", "acc_refined"}
  by_key = {s["true_score"]: s for s in out["settings"]}
  assert by_key["acc_refined"]["true"] == [0.93, 0.65, 0.95]  # seeds 0, 1, 2
  after = by_key["acc_refined"]["criteria"]
  assert after["refined_centrality"]["pick_seed"] == 0  # regret 0.95 - 0.93
  assert after["refined_centrality"]["regret"] == pytest.approx(0.02)
  assert after["centrality"]["pick_seed"] == 1  # the raw pick, then refined: 0.95 - 0.65
  assert after["centrality"]["regret"] == pytest.approx(0.30)
  assert by_key["acc"]["criteria"]["refined_centrality"]["regret"] == pytest.approx(0.0)
  assert by_key["acc"]["refine_and_select_share_of_sweep"] == 0.05


def test_the_docs_table_is_rendered_from_the_results_files():
  paths = [p for p in glob.glob(os.path.join(study.RESULTS, "selection_*.json"))
           if not p.endswith("selection_study.json")]
  lines = study.table(study.study(paths))
  with open(study.DOC) as f:
    block = re.search(re.escape(study.START) + r"\n(.*?)\n" + re.escape(study.END), f.read(),
                      re.S).group(1)
  assert block.strip().splitlines() == lines, (
      "docs/selection.md is stale: python -m benchmarks.selection_study --render")
