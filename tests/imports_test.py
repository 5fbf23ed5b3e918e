"""The library's packages import one way: no import cycle between the modules and packages
directly under infogan_tf/ (a module-level import of infogan_tf.X from infogan_tf.Y draws an arrow
Y -> X), and nothing under infogan_tf/ imports trainers, export, benchmarks or tests."""

import ast
import glob
import os

from tests import helpers

PACKAGE = os.path.join(helpers.ROOT, "infogan_tf")


def _room(path: str) -> str:
  """infogan_tf/training/loop.py -> 'training'; infogan_tf/config.py -> 'config'."""
  rel = os.path.relpath(path, PACKAGE).split(os.sep)
  return rel[0][:-3] if len(rel) == 1 else rel[0]


def _arrows():
  arrows, outside = set(), []
  for path in glob.glob(os.path.join(PACKAGE, "**", "*.py"), recursive=True):
    if os.path.basename(path) == "__init__.py" and os.path.dirname(path) == PACKAGE:
      continue  # the package's front door re-exports everything
    with open(path) as f:
      tree = ast.parse(f.read())
    for node in tree.body:  # module level: what importing the module imports
      names = []
      if isinstance(node, ast.ImportFrom) and node.module:
        names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
      elif isinstance(node, ast.Import):
        names = [a.name for a in node.names]
      for name in names:
        parts = name.split(".")
        if parts[0] in ("trainers", "export", "benchmarks", "tests"):
          outside.append(f"{os.path.relpath(path, helpers.ROOT)} imports {name}")
        if parts[0] == "infogan_tf" and len(parts) > 1:
          target = parts[1]
          if (os.path.exists(os.path.join(PACKAGE, target + ".py"))
              or os.path.isdir(os.path.join(PACKAGE, target))):
            if target != _room(path):
              arrows.add((_room(path), target))
  return arrows, outside


def test_no_import_cycle_between_the_library_s_packages():
  arrows, outside = _arrows()
  assert not outside, outside
  graph = {}
  for a, b in arrows:
    graph.setdefault(a, set()).add(b)
  state = {}

  def visit(node, trail):
    if state.get(node) == "done":
      return
    assert state.get(node) != "open", "import cycle: " + " -> ".join(trail + [node])
    state[node] = "open"
    for nxt in sorted(graph.get(node, ())):
      visit(nxt, trail + [node])
    state[node] = "done"

  for node in sorted(graph):
    visit(node, [])
  assert len(arrows) > 20  # the walk saw the package's imports
