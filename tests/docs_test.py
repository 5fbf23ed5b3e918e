"""Commands and job specs written in the docs work as written: docs/cluster.md's Kubernetes Jobs
are valid YAML, its SLURM scripts valid bash, and every trainers.sweep command in them parses
as the command's flags into a valid config."""

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests import helpers

CLUSTER = os.path.join(helpers.ROOT, "docs", "cluster.md")

PARSE = r"""
import json, sys
from absl import flags
import trainers.sweep  # defines its flags
from infogan_tf import selection
from infogan_tf import sweeps
from trainers import flags as trainer_flags
for args in json.loads(sys.argv[1]):
    fv = flags.FLAGS
    fv.unparse_flags()
    fv(["trainers.sweep", *args])
    config = trainer_flags.config_from_flags(fv)
    print(json.dumps({"workdir": config.train.workdir,
                      "seeds": sweeps.parse_seeds(fv.seeds),
                      "select_only": fv.select_only}))
"""


def _blocks(language):
  with open(CLUSTER) as f:
    text = f.read()
  return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def _sweep_args(command):
  """The arguments after `-m trainers.sweep` in a shell line or an argv list."""
  argv = command if isinstance(command, list) else shlex.split(command)
  return argv[argv.index("trainers.sweep") + 1:]


def _parse(arg_lists):
  proc = subprocess.run([sys.executable, "-c", PARSE, json.dumps(arg_lists)], cwd=helpers.ROOT,
                        env={**os.environ, "PYTHONPATH": helpers.ROOT,
                             "TF_CPP_MIN_LOG_LEVEL": "3"},
                        capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_the_cluster_specs_are_valid_and_their_commands_parse():
  yaml = pytest.importorskip("yaml")
  commands = []
  jobs = [doc for block in _blocks("yaml") for doc in yaml.safe_load_all(block)]
  assert [j["kind"] for j in jobs] == ["Job", "Job"]
  sweep, select = jobs
  assert sweep["spec"]["completionMode"] == "Indexed"
  for job in jobs:
    container = job["spec"]["template"]["spec"]["containers"][0]
    commands.append(_sweep_args(container["command"]))
  scripts = _blocks("bash")
  for script in scripts:
    check = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    joined = script.replace("\\\n", " ")
    for line in joined.splitlines():
      if "trainers.sweep" in line:
        line = line.replace('"${RUNS:-/shared/runs}', '"/shared/runs')
        commands.append(_sweep_args(line))
  assert "--array=0-4" in scripts[0]  # as many tasks as --seeds names
  parsed = _parse(commands)
  assert len(parsed) == 4
  for p in parsed:
    assert p["seeds"] == [0, 1, 2, 3, 4]
  assert sweep["spec"]["completions"] == len(parsed[0]["seeds"])
  assert [p["select_only"] for p in parsed] == [False, True, False, True]
  assert {p["workdir"] for p in parsed[:2]} == {"/runs/shapes_disentangle"}
