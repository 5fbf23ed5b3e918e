"""Training: the loop and the plumbing around it.

  loop              `train(config)`: resolve the config, build the state on a strategy, run the
                    compiled loop and the periodic actions, resume, stop cleanly on a signal
  step              `create_state` (the compiled InfoGAN) and `TrainLoop`: the model's train step,
                    `steps_per_loop` of them in one graph call
  periodic_actions  what runs between compiled loops, each at its own cadence: NaN guard, logs,
                    checkpoints, traversal images
  checkpointing     tf.train.Checkpoint of the state, the fall-back over corrupt checkpoints,
                    restore for inference
  distribute        strategies (one device, mirrored, multi-worker) and virtual CPUs
  preemption        SIGTERM under MultiWorkerMirroredStrategy: every worker saves one step
  workdir_lock      one writer per workdir
  progress          the one-line progress bar
  summaries         metrics.jsonl, TensorBoard scalars and images
"""

from infogan_tf.errors import NonFiniteLossError, TerminationRequested
from infogan_tf.training.loop import TrainResult, train

__all__ = ["NonFiniteLossError", "TerminationRequested", "TrainResult", "train"]
