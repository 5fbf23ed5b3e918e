"""What a path names on disk: a run, a refined run or a selection, resolved in one place.

- a run: a folder with config.json (`trainers.main` writes it) and checkpoints/;
- a refined run: `<run>/refined` (`trainers.refine`), itself a run (config.json, checkpoints);
- a selection: a `selection.json` written by `trainers.select` / `trainers.sweep`, or a folder
  holding one and no config.json (a sweep's folder): it stands for its pick.

`InfoGAN.from_workdir`, `ig.evaluate`, `ig.export`, `ig.refine` and their commands all take any
of the three through `resolve`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Optional

from infogan_tf import config as config_lib
from infogan_tf.errors import SelectionError, WorkdirError

SELECTION_FILENAME = "selection.json"
REFINED_DIR = "refined"


@dataclasses.dataclass(frozen=True)
class Resolved:
  """What a path named.

  Attributes:
    path: The path as given.
    run: The run's folder (the pick of a selection).
    kind: 'run', 'refined' or 'selection'.
    selection: The selection's contents (kind 'selection'), else None.
  """

  path: str
  run: str
  kind: str
  selection: Optional[dict] = None

  def describe(self) -> str:
    """'' for a run; for a selection, which run it picks."""
    return f"{self.path} selects {self.run}" if self.kind == "selection" else ""


def load_selection(path: str) -> Optional[dict]:
  """The selection `path` names (its selection.json, or a folder holding selection.json and
  no config.json), or None when `path` is not a selection.

  Raises:
    SelectionError: The file is not a selection.
  """
  file = path
  if os.path.isdir(path):
    if os.path.exists(os.path.join(path, config_lib.CONFIG_FILENAME)):
      return None
    file = os.path.join(path, SELECTION_FILENAME)
  if not (file.endswith(".json") and os.path.isfile(file)):
    return None
  with open(file) as f:
    try:
      selection = json.load(f)
      selection["pick"]  # pylint: disable=pointless-statement
    except (ValueError, KeyError, TypeError) as e:
      raise SelectionError(f"{file} is not a selection written by trainers.select") from e
  return selection


def resolve(path: str) -> Resolved:
  """The run `path` names (see the module docstring).

  Raises:
    WorkdirError: `path` does not exist, or is neither a run nor a selection (the message says
      what it is and what is expected).
    SelectionError: A selection.json that is not one.
  """
  selection = load_selection(path)
  if selection is not None:
    return Resolved(path, selection["pick"], "selection", selection)
  if not os.path.exists(path):
    raise WorkdirError(f"{path} does not exist: give a run's folder (with config.json), its "
                       f"{REFINED_DIR}/ folder or a {SELECTION_FILENAME}")
  if not os.path.isfile(os.path.join(path, config_lib.CONFIG_FILENAME)):
    what = "a file" if os.path.isfile(path) else "a folder without config.json"
    raise WorkdirError(f"{path} is {what}: give the --workdir trainers.main wrote "
                       f"(it holds config.json), its {REFINED_DIR}/ folder or a "
                       f"{SELECTION_FILENAME}")
  kind = "refined" if os.path.basename(os.path.normpath(path)) == REFINED_DIR else "run"
  return Resolved(path, path, kind)


def resolve_workdir(path: str) -> str:
  """The run folder `path` names: itself, or the pick of a selection (`load_selection`); no
  check that it is a run (callers that need one use `resolve`)."""
  selection = load_selection(path)
  return path if selection is None else selection["pick"]
