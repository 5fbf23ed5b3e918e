"""Tests for benchmarks/results_page.py: docs/results.md and README's table from results files."""

import json
import os

import pytest

from benchmarks import record, results_page


def test_the_committed_pages_are_what_the_results_files_render():
  # Fails when a results file, the renderer or a page was changed without rerendering:
  # `python -m benchmarks.results_page` rewrites docs/results.md and README's table.
  assert results_page.main(["--check"]) == 0


def _write(directory, name, **fields):
  with open(os.path.join(directory, name), "w") as f:
    json.dump(fields, f)


def _seeds_file(directory, name, label, accs, **extra):
  runs = [{"seed": i, "step": 3000, "acc": a, "nmi": 0.5, "train_seconds": 10.0}
          for i, a in enumerate(accs)]
  summary = {"acc": {"mean": sum(accs) / len(accs), "std": 0.0},
             "nmi": {"mean": 0.5, "std": 0.0}, "train_seconds": {"mean": 10.0, "std": 0.0}}
  _write(directory, name, label=label, flagfile="trainers/flagfiles/fashion_mnist.flags",
         extra="", runs=runs, summary=summary, date="2026-12-01",
         machine={"cpu": "Some CPU", "isa": "AVX2", "cores": 2}, command="python -m x", **extra)


def test_rows_carry_machine_date_and_a_source_with_its_command(tmp_path):
  _seeds_file(str(tmp_path), "seeds_a.json", "three seeds", [0.6, 0.62, 0.64])
  page = results_page.render(results_page.Page(str(tmp_path)))
  row = next(line for line in page.splitlines() if line.startswith("| three seeds |"))
  assert "0.620 ± 0.020 (0.640 / 0.600)" in row  # mean ± sample std (best / worst)
  assert "Some CPU (AVX2), 2026-12-01" in row and "](../benchmarks/results/seeds_a.json)" in row
  assert "1. [`seeds_a.json`](../benchmarks/results/seeds_a.json): `python -m x`" in page


def test_a_superseded_file_leaves_the_page_and_says_why(tmp_path):
  _seeds_file(str(tmp_path), "seeds_new.json", "new run", [0.6, 0.7])
  _seeds_file(str(tmp_path), "seeds_old.json", "old run", [0.1, 0.2],
              superseded_by="seeds_new.json", superseded_because="a bug fixed since")
  page = results_page.render(results_page.Page(str(tmp_path)))
  assert "| new run |" in page and "| old run |" not in page
  assert "- `seeds_old.json` -> `seeds_new.json`: a bug fixed since" in page


def test_an_unrecorded_isa_is_said_not_guessed(tmp_path):
  _write(str(tmp_path), "serving.json", date="2026-11-23", machine={"cpu": "AMD EPYC"},
         results=[{"signature": "encode", "batch_size": 1, "p50_ms": 0.7, "p99_ms": 1.0,
                   "images_per_sec": 1400.0}])
  page = results_page.render(results_page.Page(str(tmp_path)))
  assert "| encode | 1 | 0.70 | 1.00 | 1400 | AMD EPYC (ISA not recorded), 2026-11-23 |" in page


def test_every_current_results_file_is_on_the_page():
  page = results_page.Page()
  text = results_page.render(page)
  for name, data in page.files.items():
    if "superseded_by" in data:
      assert f"- `{name}` -> " in text
    else:
      assert f"(../benchmarks/results/{name})" in text, name


def test_splice_replaces_only_the_marked_block():
  text = f"intro\n{results_page.README_START}\nold\n{results_page.README_END}\noutro\n"
  once = results_page.splice(text, "new table")
  assert results_page.splice(once, "new table") == once  # idempotent
  start, end = results_page.README_START, results_page.README_END
  assert once == f"intro\n{start}\nnew table\n{end}\noutro\n"
  with pytest.raises(ValueError, match="no"):
    results_page.splice("no markers", "x")


def test_record_stamps_date_machine_and_command(tmp_path):
  path = record.write(str(tmp_path / "r.json"), {"x": 1}, command="python -m benchmarks.y --z")
  with open(path) as f:
    data = json.load(f)
  assert data["x"] == 1 and data["command"] == "python -m benchmarks.y --z"
  assert len(data["date"]) == 10 and {"cpu", "isa", "cores"} <= set(data["machine"])


def test_command_line_names_the_module_as_a_user_runs_it():
  argv = [os.path.join(record.ROOT, "benchmarks", "seeds.py"), "--seeds=0,1",
          "--label=a b"]
  assert record.command_line(argv) == "python -m benchmarks.seeds --seeds=0,1 '--label=a b'"
