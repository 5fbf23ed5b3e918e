"""notebooks/quickstart.ipynb runs top to bottom (a small budget) and is committed without
outputs."""

import os
import time

import nbformat
import pytest

from tests import helpers

NOTEBOOK = os.path.join(helpers.ROOT, "notebooks", "quickstart.ipynb")


def test_the_notebook_is_committed_without_outputs():
  notebook = nbformat.read(NOTEBOOK, as_version=4)
  for cell in notebook.cells:
    if cell.cell_type == "code":
      assert not cell.outputs and cell.execution_count is None, cell.source[:80]


@pytest.mark.slow
def test_the_quickstart_notebook_runs(tmp_path, monkeypatch):
  """Every cell, in a real kernel, at 40 training steps (the cells' code as a user runs it)."""
  from nbclient import NotebookClient  # pylint: disable=g-import-not-at-top
  monkeypatch.setenv("QUICKSTART_DIR", str(tmp_path))
  monkeypatch.setenv("QUICKSTART_STEPS", "40")
  notebook = nbformat.read(NOTEBOOK, as_version=4)
  start = time.perf_counter()
  NotebookClient(notebook, timeout=900, kernel_name="python3",
                 resources={"metadata": {"path": str(tmp_path)}}).execute()
  seconds = time.perf_counter() - start
  outputs = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                    for o in c.outputs)
  assert "ACC" in outputs and "MIG" in outputs and "(4, 4)" in outputs, outputs[-2000:]
  assert os.path.isdir(tmp_path / "models" / "1")
  images = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
            if "image/png" in o.get("data", {})]
  assert len(images) == 2  # the traversal and the edit
  print(f"notebook ran in {seconds:.0f} s")
