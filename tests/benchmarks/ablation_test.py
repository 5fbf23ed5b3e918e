"""Tests for benchmarks/ablation.py: the ablation table rendered from seeds results files."""

import json


from benchmarks import ablation


def _result(tmp_path, name, extra, accs, isa="AVX2"):
  runs = [{"seed": i, "acc": a, "nmi": a + 0.02} for i, a in enumerate(accs)]
  mean = lambda xs: sum(xs) / len(xs)
  summary = {"acc": {"mean": mean(accs), "std": 0.01}, "nmi": {"mean": mean(accs) + 0.02,
                                                                 "std": 0.01},
             "train_seconds": {"mean": 700.0, "std": 1.0}}
  result = {"label": name, "flagfile": "trainers/flagfiles/fashion_mnist.flags",
            "extra": extra, "machine": {"isa": isa}, "runs": runs, "summary": summary}
  (tmp_path / f"seeds_{name}.json").write_text(json.dumps(result))


def test_table_orders_by_accuracy_and_measures_against_the_baseline(tmp_path):
  _result(tmp_path, "base1", "", [0.60])
  _result(tmp_path, "base3", "", [0.59, 0.60, 0.61])  # more seeds: this one is the baseline
  _result(tmp_path, "better", "--noise_scale=0.1", [0.64, 0.66, 0.65])
  text = ablation.table(ablation.load_results(str(tmp_path)))
  rows = [l for l in text.splitlines() if l.startswith("| fashion")]
  assert "`--noise_scale=0.1`" in rows[0] and "+0.050" in rows[0]
  assert "0.650 ± 0.010" in rows[0]
  baseline = [r for r in rows if "baseline" in r]
  assert len(baseline) == 1 and "| 3 |" in baseline[0]
  single = [r for r in rows if "| 1 |" in r][0]
  assert "| 0.600 |" in single and "+0.000" in single  # one seed: no spread shown


def test_each_cpu_has_its_own_baseline_when_it_ran_one(tmp_path):
  _result(tmp_path, "base_old", "", [0.60, 0.60, 0.60, 0.60], isa="AVX512_BF16")
  _result(tmp_path, "base_new", "", [0.64, 0.64, 0.64], isa="AVX2")
  _result(tmp_path, "new_change", "--augment_zoom=0.2", [0.66], isa="AVX2")
  _result(tmp_path, "old_change", "--steps=6000", [0.61], isa="AVX512_BF16")
  _result(tmp_path, "other_cpu", "--spectral_norm", [0.50], isa="AMX")  # no AMX baseline
  rows = ablation.table(ablation.load_results(str(tmp_path))).splitlines()
  row = lambda flag: next(l for l in rows if flag in l)
  assert "+0.020" in row("--augment_zoom")  # against the AVX2 baseline
  assert "+0.010" in row("--steps=6000")  # against the AVX512_BF16 one
  assert "-0.100" in row("--spectral_norm")  # no AMX baseline: the one with most seeds
  assert sum("| baseline |" in l for l in rows) == 2
