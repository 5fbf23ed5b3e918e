"""Tests for benchmarks/selection_table.py: ranks, ownership counts and paired differences."""

import json
import os

from benchmarks import selection_table


def _arm(tmp_path, name, migs, owners, pick):
  """A benchmarks.selection result over seeds 0..n-1 with a report.json per seed's workdir."""
  runs = []
  for seed, (mig, owner) in enumerate(zip(migs, owners)):
    workdir = tmp_path / name / f"seed_{seed}"
    os.makedirs(workdir / "eval")
    (workdir / "eval" / "report.json").write_text(json.dumps({
        "factor_vae": {"dimension_factor": owner},
        "dci": {"code_factor": ["shape", "x", "x"]}}))
    runs.append({"seed": seed, "workdir": str(workdir), "mig": mig, "frechet": 10.0 - mig})
  return (name, str(tmp_path / f"{name}.json"),
          {"runs": runs, "selection": {"pick": runs[pick]["workdir"]}})


def test_table_ranks_the_pick_counts_owners_and_pairs_seeds(tmp_path):
  one_to_one, shared = ["shape", "x", "y"], ["shape", "x", "x"]
  a = _arm(tmp_path, "A", [0.1, 0.3, 0.2], [one_to_one, shared, shared], pick=2)
  b = _arm(tmp_path, "B", [0.2, 0.2, 0.5], [one_to_one, one_to_one, shared], pick=0)
  lines = selection_table.markdown([a, b]).splitlines()
  rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1:] for line in lines
          if line.startswith("| ") and not line.startswith("| |")}
  # A's seeds: mean 0.2, sample std 0.1, best 0.3, worst 0.1; pick (seed 2, 0.2) is 2nd of 3.
  assert rows["A: 3 seeds, mean ± std (best / worst)"][0] == "0.200 ± 0.100 (0.300 / 0.100)"
  assert rows["A + selection: seed 2 (rank)"][0] == "0.200 (2/3)"
  # Fréchet is lower-better: A's best is 9.7 (seed 1); the pick's 9.8 is 2nd.
  assert rows["A: 3 seeds, mean ± std (best / worst)"][1] == "9.800 ± 0.100 (9.700 / 9.900)"
  assert rows["A + selection: seed 2 (rank)"][1] == "9.800 (2/3)"
  # Ownership by FactorVAE votes: A 1 of 3 one to one, B 2 of 3; DCI's owners never are.
  assert rows["A: 3 seeds, mean ± std (best / worst)"][2] == "1 of 3 / 0 of 3 |"
  assert rows["B: 3 seeds, mean ± std (best / worst)"][2] == "2 of 3 / 0 of 3 |"
  assert rows["B + selection: seed 0 (rank)"][2] == "yes / no |"
  # Paired B - A: +0.1, -0.1, +0.3 -> mean 0.1, std 0.2, higher in 2 of 3.
  assert rows["B - A, paired by seed"][0] == "+0.100 ± 0.200 (2 of 3 higher)"
