"""The README's "Use it from Python" block runs as written (with smaller numbers), followed by
its edit-an-image block (which continues from it)."""

import os
import re
import subprocess
import sys

from tests import helpers

# README text -> what the test runs instead (each must occur exactly once in the block).
SMALLER = {"steps=500": "steps=4", "batch_size=64": "batch_size=16",
           "num_examples=5000": "num_examples=256", "num_samples=1000": "num_samples=200"}


def python_block(name: str = "api") -> str:
  """The README's block between <!-- python-NAME-start --> and <!-- python-NAME-end -->."""
  with open(os.path.join(helpers.ROOT, "README.md")) as f:
    text = f.read()
  match = re.search(rf"<!-- python-{name}-start -->\s*```python\n(.*?)```\s*"
                    rf"<!-- python-{name}-end -->", text, re.S)
  assert match, f"README.md lost its python-{name} block"
  return match.group(1)


def test_readme_python_block_runs(tmp_path, classifier_dir):
  code = python_block("api")
  for old, new in SMALLER.items():
    assert code.count(old) == 1, f"README block: expected {old!r} once"
    code = code.replace(old, new)
  code += python_block("edit")
  assert "/tmp/ig" in code
  code = code.replace("/tmp/ig", str(tmp_path / "ig"))
  # HOME's ~/.cache/infogan_tf/classifiers is the session's Fréchet classifier cache.
  os.makedirs(tmp_path / ".cache" / "infogan_tf")
  os.symlink(classifier_dir, tmp_path / ".cache" / "infogan_tf" / "classifiers")
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, HOME=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), env=env,
                        capture_output=True, text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  lines = proc.stdout.strip().splitlines()
  assert lines[0].startswith("ACC ") and " MIG " in lines[0]
  assert lines[-2] == "(8, 4)"
  assert lines[-1] == "(8, 28, 28, 1) (8,)"  # the edited images and one error per image
  assert os.path.exists(tmp_path / "ig" / "models" / "1" / "encoder.keras")


def test_readme_keras_block_runs(tmp_path):
  code = python_block("keras")
  for old, new in {"epochs=5": "epochs=2", "steps_per_epoch=100": "steps_per_epoch=2",
                   "batch_size=64": "batch_size=16", "num_examples=5000": "num_examples=256",
                   "steps_per_execution=10": "steps_per_execution=2",
                   "ig.callbacks.Evaluate()": "ig.callbacks.Evaluate(max_images=100, "
                                              "num_samples=100)"}.items():
    assert code.count(old) == 1, f"README keras block: expected {old!r} once"
    code = code.replace(old, new)
  code = code.replace("/tmp/ig", str(tmp_path / "ig"))
  env = dict(os.environ, PYTHONPATH=helpers.ROOT, TF_CPP_MIN_LOG_LEVEL="3")
  proc = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), env=env,
                        capture_output=True, text=True, timeout=600)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert proc.stdout.strip().splitlines()[-1] == "(8, 4) 4"
  assert os.listdir(tmp_path / "ig" / "logs")


def test_every_command_has_the_same_prefix_and_blocks_come_in_order():
  with open(os.path.join(helpers.ROOT, "README.md")) as f:
    text = f.read()
  bare = [m.group(0) for m in re.finditer(r"(?<!\.venv/bin/)\b(python -m \S+|tensorboard --)",
                                          text)]
  assert not bare, f"README commands without the .venv/bin/ prefix: {bare}"
  # A block reads only names from blocks above it: the edit block continues the API block.
  assert text.index("<!-- python-api-start -->") < text.index("<!-- python-edit-start -->")
