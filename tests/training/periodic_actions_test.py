"""The host's periodic actions: cadence, throughput accounting, the NaN guard."""

import io

import pytest

from infogan_tf.training import periodic_actions as pa
from infogan_tf.training import summaries
from infogan_tf.training.progress import Progress


class _Record(pa.Action):
  def __init__(self, every):
    self.every, self.steps = every, []

  def __call__(self, call):
    self.steps.append(call.step)


def _drive(total, steps_per_loop, actions, start=0):
  """The host loop of `training.train` without a model: each call 'trains' to the stop."""
  step = start
  while step < total:
    n = pa.next_stop(step, total, steps_per_loop, actions) - step
    step += n
    call = pa.LoopCall(step, {"d/gan": 1.0, "nll/cont0": 0.5}, n, 0.5, first=step - n == start,
                       last=step >= total)
    pa.dispatch(actions, call)
  return step


def test_each_action_runs_on_its_own_cadence_and_at_the_end():
  every3, every5, each = _Record(3), _Record(5), _Record(None)
  assert _drive(11, 4, [every3, every5, each]) == 11
  assert every3.steps == [3, 6, 9, 11] and every5.steps == [5, 10, 11]
  # The loop stops where an action is due or a chunk of steps_per_loop ends, nowhere else;
  # an action without a cadence sees every call and adds no stop of its own.
  assert each.steps == [3, 5, 6, 9, 10, 11]


def test_a_resumed_run_keeps_the_cadence_of_absolute_steps():
  every4 = _Record(4)
  _drive(12, 10, [every4], start=6)
  assert every4.steps == [8, 12]


def test_nan_guard_names_the_metric_and_the_last_good_checkpoint():
  run = pa.Run(last_good="/w/checkpoints/ckpt-4")
  guard = pa.NanGuard(run)
  guard(pa.LoopCall(5, {"d/gan": 1.0}, 1, 0.1, False, False))
  with pytest.raises(pa.NonFiniteLossError,
                     match=r"non-finite g/info at step 6.*\(/w/checkpoints/ckpt-4\) is kept"):
    guard(pa.LoopCall(6, {"d/gan": 1.0, "g/info": float("nan")}, 1, 0.1, False, False))


def test_throughput_leaves_out_the_first_call_and_counts_every_other(tmp_path):
  run = pa.Run()
  log = pa.LogMetrics(4, 10, dict, summaries.SummaryWriter(str(tmp_path)),
                      Progress(8, 0, io.StringIO()), run, lambda metrics: {})
  class Saves:  # stands in for the checkpointer: this test is about the throughput
    def save(self):
      return "ckpt-8"

  checkpoint = pa.Checkpoint(8, Saves(), run)
  _drive(8, 2, [log, checkpoint])
  # Calls at steps 2 (first: tracing), 4, 6, 8, 2 steps of 10 images in 0.5 s each.
  assert log.images_per_sec == pytest.approx(40.0)
  assert [h["step"] for h in run.history] == [4, 8]
  assert run.history[0]["perf/images_per_sec"] == pytest.approx(40.0)
  assert run.last_good == "ckpt-8"
