r"""How exact is the distributed train step? Gradients of one step in float32 and float64.

One step of `train_step.make_replica_step` (D update, then G's update through the *updated* D)
on fixed images and latent codes, with SGD optimisers that record the all-reduced gradients they
apply. It runs the same step on one device and on two replicas (synchronised BatchNorm), in
float64 and in float32, and reports for G and for D the relative global-norm error
||g - g_ref|| / ||g_ref|| against the float64 one-device step, and the worst single variable
(max |g - g_ref| / max |g_ref| over a variable's elements).

  python -m benchmarks.step_numerics --seeds=0,1,2,3 --d_learning_rates=1,0.01,0
  TF_ENABLE_ONEDNN_OPTS=0 python -m benchmarks.step_numerics ...   # Eigen's kernels
  python -m benchmarks.step_numerics --explain --seeds=1 --d_learning_rates=0.01

--explain runs the one-device step of each seed in float32 and in float64 with TensorFlow's
debugger dumping every op's output (about 3 GB in a temporary folder), and lists the
LeakyReLU/ReLU inputs whose sign differs between the two: pre-activations nearer to the kink
than float32 resolves, whose derivative float32 takes from the other branch.

What it showed (docs/numerics.md): in float64 two replicas and one device agree to ~1e-13 for
every seed, i.e. the two-replica step computes the one-device step; float32 errors depend on how
far D's update moves D (SGD at learning rate 1 turns D into a net whose G gradient float32
cannot resolve), not on the replica count.

`step_gradients` is also what tests/training/step_test.py runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import Dict, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 16


def _recording_sgd(learning_rate: float):
  """keras SGD that also keeps the (all-reduced) gradient it last applied to each variable."""
  import keras  # pylint: disable=g-import-not-at-top

  class RecordingSGD(keras.optimizers.SGD):
    """SGD whose `recorded[i]` holds the gradient last applied to variable i."""

    def build(self, variables):
      super().build(variables)
      self.recorded = [self.add_variable_from_reference(v, "gradient") for v in variables]

    def update_step(self, gradient, variable, learning_rate):
      self.recorded[self._get_variable_index(variable)].assign(gradient)
      super().update_step(gradient, variable, learning_rate)

  return RecordingSGD(learning_rate)


def step_gradients(strategy, config, images, latent, d_learning_rate: float,
                   initial: Optional[Dict] = None) -> Dict:
  """The gradients one train step applies, as float64 arrays keyed by variable path.

  Args:
    strategy: One device or several replicas (the global batch is split evenly).
    config: The experiment config; `config.model.precision` sets float32 or float64.
    images: [BATCH, H, W, C] real images (numpy).
    latent: A numpy `LatentSample` of BATCH rows (split across replicas like the images).
    d_learning_rate: SGD learning rate of the D update that G's step then runs through.
    initial: {variable path: array} initial weights (to give float64 models float32's
      initial weights); default the config's seeded initialisation.

  Returns:
    {'generator/...': dG, 'discriminator/...': dD} (the mean-loss gradients of the global
    batch).
  """
  # pylint: disable=g-import-not-at-top
  import numpy as np
  import tensorflow as tf
  from infogan_tf.training import step as train_step
  from infogan_tf.latent import LatentSample
  # pylint: enable=g-import-not-at-top
  state = train_step.create_state(config, strategy)
  G, D = state.generator, state.discriminator
  if initial is not None:
    for v in G.variables + D.variables:
      v.assign(initial[v.path].astype(v.dtype))
  with strategy.scope():
    state.g_optimizer, state.d_optimizer = _recording_sgd(1.0), _recording_sgd(d_learning_rate)
    state.g_optimizer.build(G.trainable_variables)
    state.d_optimizer.build(D.trainable_variables)
  dtype = tf.float64 if config.model.precision == "float64" else tf.float32
  per = BATCH // strategy.num_replicas_in_sync

  def shard(array, start):
    return tf.constant(array)[start:start + per]

  def sample_latent(batch):  # this replica's rows of the fixed latent codes
    del batch
    start = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.int32) * per
    return LatentSample(tf.cast(shard(latent.noise, start), dtype),
                        [shard(c, start) for c in latent.categorical],
                        tf.cast(shard(latent.continuous, start), dtype))

  step = train_step.make_replica_step(state, config, BATCH, sample_latent)
  images = np.asarray(images, dtype.as_numpy_dtype)
  shards = strategy.experimental_distribute_values_from_function(
      lambda ctx: {"images": images[ctx.replica_id_in_sync_group * per:][:per]})
  tf.function(lambda batch: strategy.run(step, args=(batch,)))(shards)
  out = {}
  for optimizer, model in ((state.g_optimizer, G), (state.d_optimizer, D)):
    for v, g in zip(model.trainable_variables, optimizer.recorded):
      out[v.path] = strategy.experimental_local_results(g)[0].numpy().astype(np.float64)
  return out


def initial_weights(config, strategy) -> Dict:
  """The seeded initial weights of `config`'s models (float32), keyed by variable path."""
  from infogan_tf.training import step as train_step  # pylint: disable=g-import-not-at-top
  state = train_step.create_state(config, strategy)
  return {v.path: v.numpy() for v in state.generator.variables + state.discriminator.variables}


def errors(result: Dict, reference: Dict, model: str) -> Dict[str, float]:
  """{'global': ||r - ref|| / ||ref||, 'worst_variable': max over variables of
  max|r - ref| / max|ref|, 'worst_name'} over the variables whose path starts with `model`."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  keys = [k for k in reference if k.startswith(model)]
  num = np.sqrt(sum(np.sum((result[k] - reference[k]) ** 2) for k in keys))
  den = np.sqrt(sum(np.sum(reference[k] ** 2) for k in keys))
  per = {k: np.abs(result[k] - reference[k]).max() / (np.abs(reference[k]).max() + 1e-300)
         for k in keys}
  worst = max(per, key=per.get)
  return {"global": float(num / den), "worst_variable": float(per[worst]), "worst_name": worst}


def tiny_config(seed: int, precision: str = "float32", sync_batch_norm: bool = True):
  """tests.helpers.tiny_config's setup (Cat(4) + 2 continuous, MNIST nets) at `precision`."""
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  return config_lib.ExperimentConfig(
      latent=config_lib.LatentConfig(noise_dim=8, noise_prior="uniform", categorical=(4,),
                                     continuous=2),
      model=config_lib.ModelConfig("mnist", (28, 28, 1), sync_batch_norm=sync_batch_norm,
                                   precision=precision),
      data=config_lib.DataConfig(name="procedural", image_size=28, num_examples=512),
      train=config_lib.TrainConfig(workdir="/tmp/unused", steps=1, batch_size=BATCH, seed=seed))


def _dump_child(seed: int, d_learning_rate: float, precision: str, dump_dir: str) -> None:
  """Child process of --explain: one 1-device step with every op's output dumped."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from infogan_tf import data as data_lib  # pylint: disable=g-import-not-at-top
  from infogan_tf.latent import LatentSpec  # pylint: disable=g-import-not-at-top
  one = tf.distribute.OneDeviceStrategy("/cpu:0")
  config = tiny_config(seed)
  pool = next(iter(data_lib.eval_batches(data_lib.load_source(config.data), 256,
                                         (0.0, 1.0))))["image"].numpy()
  latent = LatentSpec(config.latent).numpy_sample(BATCH, seed=seed)
  init = initial_weights(config, one)
  tf.debugging.experimental.enable_dump_debug_info(dump_dir, tensor_debug_mode="FULL_TENSOR",
                                                   circular_buffer_size=-1)
  model = dataclasses.replace(config.model, precision=precision)
  step_gradients(one, config.replace(model=model), pool[BATCH * seed:][:BATCH], latent,
                 d_learning_rate, init)
  tf.debugging.experimental.disable_dump_debug_info()


def _activation_inputs(dump_dir: str) -> Dict:
  """{(op name, occurrence): value} of every LeakyRelu/Relu op's input in a debugger dump."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  # pylint: disable=g-import-not-at-top,g-direct-tensorflow-import
  from tensorflow.python.debug.lib import debug_events_reader
  reader = debug_events_reader.DebugDataReader(dump_dir)
  reader.update()
  latest, inputs, seen = {}, {}, {}
  for trace in reader.graph_execution_traces():  # in execution order
    latest[(trace.graph_id, trace.op_name)] = trace
    if trace.op_type not in ("LeakyRelu", "Relu") or trace.op_name.startswith("gradient"):
      continue
    op = reader.graph_by_id(trace.graph_id).get_op_creation_digest(trace.op_name)
    source = latest.get((trace.graph_id, op.input_names[0].split(":")[0]))
    if source is None:
      continue
    key = (trace.op_name, seen.setdefault(trace.op_name, 0))
    seen[trace.op_name] += 1
    inputs[key] = np.asarray(reader.graph_execution_trace_to_tensor_value(source))
  return inputs


def explain(seed: int, d_learning_rate: float) -> None:
  """Prints the activation inputs whose sign float32 gets wrong in one step (see --explain)."""
  import subprocess  # pylint: disable=g-import-not-at-top
  import tempfile  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  with tempfile.TemporaryDirectory() as tmp:
    dumps = {}
    for precision in ("float32", "float64"):
      dumps[precision] = os.path.join(tmp, precision)
      subprocess.run([sys.executable, "-m", "benchmarks.step_numerics", "--dump_child",
                      f"--seeds={seed}", f"--d_learning_rates={d_learning_rate}",
                      f"--precision={precision}", f"--output={dumps[precision]}"],
                     cwd=ROOT, check=True)
    single, double = (_activation_inputs(dumps[p]) for p in ("float32", "float64"))
  flips = 0
  for key, exact in double.items():
    if key not in single or single[key].shape != exact.shape:
      continue
    wrong = np.flatnonzero(np.sign(single[key]).ravel() != np.sign(exact).ravel())
    for index in wrong:
      flips += 1
      print(f"seed {seed} D lr {d_learning_rate:g}: input of {key[0]} (call {key[1]}), element "
            f"{index}: float64 {exact.ravel()[index]:+.3e}, float32 "
            f"{single[key].ravel()[index]:+.3e} (largest |input| {np.abs(exact).max():.2e})")
  print(f"seed {seed} D lr {d_learning_rate:g}: {flips} activation input(s) on the other side "
        f"of the kink in float32, out of {sum(v.size for v in double.values())}")


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--seeds", default="0,1,2,3")
  parser.add_argument("--d_learning_rates", default="1,0.01,0")
  parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0 = TF's)")
  parser.add_argument("--output", default="", help="JSON file for the rows")
  parser.add_argument("--explain", action="store_true",
                      help="list the activation inputs float32 puts on the wrong side")
  parser.add_argument("--dump_child", action="store_true", help=argparse.SUPPRESS)
  parser.add_argument("--precision", default="float32", help=argparse.SUPPRESS)
  args = parser.parse_args(argv)
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  sys.path.insert(0, ROOT)
  # pylint: disable=g-import-not-at-top
  import infogan_tf  # noqa: F401  (sets the CPU kernel default before TF)
  import tensorflow as tf
  from infogan_tf import data as data_lib
  from infogan_tf.training import distribute
  from infogan_tf.latent import LatentSpec
  # pylint: enable=g-import-not-at-top
  seeds = [int(s) for s in args.seeds.split(",")]
  rates = [float(x) for x in args.d_learning_rates.split(",")]
  if args.dump_child:
    _dump_child(seeds[0], rates[0], args.precision, args.output)
    return 0
  if args.explain:
    for lr in rates:
      for seed in seeds:
        explain(seed, lr)
    return 0
  distribute.configure_virtual_cpus(2)
  if args.threads:
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
  one = tf.distribute.OneDeviceStrategy("/cpu:0")
  two = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")][:2])
  source = data_lib.load_source(tiny_config(0).data)
  pool = next(iter(data_lib.eval_batches(source, 256, (0.0, 1.0))))["image"].numpy()
  onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") != "0"
  rows = []
  for lr in rates:
    for seed in seeds:
      config = tiny_config(seed)
      images = pool[BATCH * seed:][:BATCH]
      latent = LatentSpec(config.latent).numpy_sample(BATCH, seed=seed)
      init = initial_weights(config, one)
      f64 = dataclasses.replace(config.model, precision="float64")
      ref = step_gradients(one, config.replace(model=f64), images, latent, lr, init)
      runs = {"float64, 2 replicas": step_gradients(two, config.replace(model=f64), images,
                                                    latent, lr, init),
              "float32, 1 device": step_gradients(one, config, images, latent, lr, init),
              "float32, 2 replicas": step_gradients(two, config, images, latent, lr, init)}
      for name, result in runs.items():
        row = {"d_learning_rate": lr, "seed": seed, "run": name, "onednn": onednn,
               "threads": args.threads or "default",
               "G": errors(result, ref, "generator"), "D": errors(result, ref, "discriminator")}
        rows.append(row)
        print(f"D lr {lr:<5g} seed {seed}  {name:20s}  G global {row['G']['global']:.1e} "
              f"worst {row['G']['worst_variable']:.1e} ({row['G']['worst_name'].split('/', 1)[1]})"
              f"  D global {row['D']['global']:.1e} worst {row['D']['worst_variable']:.1e}",
              flush=True)
  if args.output:
    from benchmarks import record  # pylint: disable=g-import-not-at-top
    record.write(args.output, {"rows": rows}, indent=1)
  return 0


if __name__ == "__main__":
  sys.exit(main())
