r"""Train-step throughput of infogan_tf on this machine (a benchmark, not a test).

For each architecture x global batch x XLA on/off x replicas (1 device or 2 logical CPUs), a fresh
subprocess builds the paper's nets and measures steady-state images/s of the full step
(D update + G/Q update) through `TrainLoop` fed by the real input pipeline, then again fed by a
constant in-memory batch: if the two match, the input pipeline keeps up. Analytic FLOPs per
image give the achieved GFLOP/s, compared with a large float32 matmul (the practical ceiling).
`--headline` adds the numbers that matter most: the MNIST nets at batch 64 through
`python -m trainers.main` exactly as a user runs it, and a plain eager PyTorch step of the same
nets (benchmarks/torch_reference.py) run right after it.

  python -m benchmarks.throughput                      # full matrix + headline (~20 min)
  python -m benchmarks.throughput --archs=mnist --batch_sizes=64 --xla=off --replicas=1
  git worktree add /tmp/before <commit> && python -m benchmarks.throughput --archs=mnist \
      --batch_sizes=64 --ab_tree=/tmp/before --out_json=benchmarks/results/ab_<name>.json \
      [--ab_input=data]
  python -m benchmarks.throughput --archs=mnist --batch_sizes=64 --ab_fit --ab_rounds=3 \
      --out_json=benchmarks/results/fit_vs_loop.json   # InfoGAN.fit against the CLI's loop
Outputs: benchmarks/results/throughput.json (or --out_json; docs/results.md renders them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_JSON = os.path.join(ROOT, "benchmarks", "results", "throughput.json")

# Paper latent codes per architecture (see trainers/flagfiles).
PRESETS = {
    "mnist": dict(size=28, channels=1, noise=62, categorical=(10,), continuous=2),
    "svhn": dict(size=32, channels=3, noise=124, categorical=(10,) * 4, continuous=4),
    "sprites64": dict(size=64, channels=1, noise=128, categorical=(), continuous=5),
}


def _config(arch, batch, xla, replicas, mixed_precision, steps_per_loop):
  from infogan_tf import config as config_lib  # pylint: disable=g-import-not-at-top
  p = PRESETS[arch]
  train = dict(workdir="/tmp/unused", steps=10 ** 6, batch_size=batch, seed=0,
               strategy="mirrored" if replicas > 1 else "one_device",
               virtual_cpus=replicas if replicas > 1 else 0, jit_compile=xla,
               steps_per_loop=steps_per_loop)
  return config_lib.ExperimentConfig(
      latent=config_lib.LatentConfig(noise_dim=p["noise"], categorical=p["categorical"],
                                     continuous=p["continuous"]),
      model=config_lib.ModelConfig(arch, (p["size"], p["size"], p["channels"]),
                                   precision=mixed_precision or "float32"),
      data=config_lib.DataConfig(name="procedural", image_size=p["size"],
                                 channels=p["channels"], num_examples=4096,
                                 shuffle_buffer=4096),
      train=config_lib.TrainConfig(**train))


def _measure(loop, iterator, steps_per_loop, seconds):
  loop(iterator, steps_per_loop)  # trace + warm up
  loop(iterator, steps_per_loop)
  steps, t0 = 0, time.perf_counter()
  while time.perf_counter() - t0 < seconds:
    loop(iterator, steps_per_loop)
    steps += steps_per_loop
  return steps, time.perf_counter() - t0


def onednn_in_use() -> bool:
  """Whether this process's TensorFlow runs oneDNN's kernels (decided when TF was loaded)."""
  # pylint: disable-next=g-import-not-at-top
  from tensorflow.python.util import _pywrap_util_port
  return bool(_pywrap_util_port.IsMklEnabled())


def fit_child(args) -> dict:
  """`InfoGAN.fit` with steps_per_execution=--steps_per_loop on `model.training_dataset()` (the
  same pipeline as the loop's, in [0, 1]), in this fresh process: images/s from the end of the
  first epoch (tracing, warm-up) to the end of the last."""
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  import infogan_tf as ig  # pylint: disable=g-import-not-at-top
  import keras  # pylint: disable=g-import-not-at-top
  from infogan_tf.training import distribute  # pylint: disable=g-import-not-at-top

  config = _config(args.arch, args.batch, False, 1, args.mixed_precision, args.steps_per_loop)
  strategy = distribute.make_strategy(config.train.strategy, config.train.virtual_cpus)
  with strategy.scope():
    model = ig.InfoGAN(config)
    model.compile(steps_per_execution=args.steps_per_loop)
  per_epoch = 5 * args.steps_per_loop
  ends = []

  class Clock(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
      ends.append(time.perf_counter())
      if len(ends) > 1 and ends[-1] - ends[0] >= args.seconds:
        self.model.stop_training = True

  model.fit(model.training_dataset(), epochs=10 ** 6, steps_per_epoch=per_epoch, verbose=0,
            callbacks=[Clock()])
  epochs = len(ends) - 1
  return {"arch": args.arch, "batch_size": args.batch, "onednn": onednn_in_use(),
          "images_per_sec_data": epochs * per_epoch * args.batch / (ends[-1] - ends[0])}


def fit_ab(args) -> None:
  """`fit` (steps_per_execution = --steps_per_loop) against the command line's loop
  (steps_per_loop), both on the real input pipeline, interleaved round by round."""
  rows = []
  for arch, batch in itertools.product(args.archs.split(","),
                                       [int(b) for b in args.batch_sizes.split(",")]):
    def loop_speed(arch=arch, batch=batch):
      return run_config(arch, batch, False, 1, args.seconds, args.steps_per_loop).get(
          "images_per_sec_data", float("nan"))

    def fit_speed(arch=arch, batch=batch):
      proc = _subprocess([sys.executable, "-m", "benchmarks.throughput", "--_fit_child",
                          f"--arch={arch}", f"--batch={batch}", f"--seconds={args.seconds}",
                          f"--steps_per_loop={args.steps_per_loop}"])
      if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
      return json.loads(proc.stdout.strip().splitlines()[-1])["images_per_sec_data"]

    speeds = interleaved({"loop": loop_speed, "fit": fit_speed}, args.ab_rounds)
    each, median = ratios(speeds["fit"], speeds["loop"])
    row = {"arch": arch, "batch_size": batch, "steps_per_execution": args.steps_per_loop,
           **speeds, "ratios_fit_over_loop": each, "median_ratio": median}
    print(json.dumps(row), flush=True)
    rows.append(row)
  _write_report({"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                 "command": "python -m benchmarks.throughput " + " ".join(sys.argv[1:]),
                 "rows": rows}, args.out_json)


def child(args) -> dict:
  """Runs one configuration in this (fresh) process and returns its measurements."""
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
  # infogan_tf first: it turns oneDNN on (AVX2-only CPUs) only if TensorFlow is not yet loaded,
  # and benchmarks.flops loads it through keras.
  import infogan_tf  # noqa: F401  pylint: disable=g-import-not-at-top,unused-import
  # pylint: disable-next=g-import-not-at-top
  from benchmarks import flops
  from infogan_tf import data as data_lib
  from infogan_tf.training import distribute, loop
  from infogan_tf.training import step as train_step
  from infogan_tf.models import architectures
  import tensorflow as tf

  config = _config(args.arch, args.batch, args.xla_on, args.replicas_n, args.mixed_precision,
                   args.steps_per_loop)
  result = {"arch": args.arch, "batch_size": args.batch, "xla": args.xla_on,
            "replicas": args.replicas_n, "precision": config.model.precision,
            "onednn": onednn_in_use()}
  strategy = distribute.make_strategy(config.train.strategy, config.train.virtual_cpus)
  try:
    loop.check_strategy(config, strategy)
  except Exception as e:  # pylint: disable=broad-except
    result["unsupported"] = str(e).split(";")[0]
    return result
  state = train_step.create_state(config, strategy)
  source = data_lib.load_source(config.data)
  pixel_range = architectures.info(args.arch).pixel_range
  f = flops.model_flops(state.generator, state.discriminator)
  result["gflop_per_image"] = f["train_step"] / 1e9
  for feed in ("data", "constant"):
    if feed == "data":
      ds = data_lib.distributed_train_dataset(strategy, source, args.batch, pixel_range, 0,
                                              config.data.shuffle_buffer)
    else:
      batch = next(iter(data_lib.eval_batches(source, args.batch, pixel_range)))["image"]
      ds = strategy.experimental_distribute_dataset(
          tf.data.Dataset.from_tensors({"images": batch}).repeat())
    loop = train_step.make_train_loop(state, config, strategy)
    steps, elapsed = _measure(loop, iter(ds), args.steps_per_loop, args.seconds)
    ips = steps * args.batch / elapsed
    result[f"images_per_sec_{feed}"] = ips
    result[f"gflops_{feed}"] = ips * result["gflop_per_image"]
    result["retraces"] = loop.tracing_count - 1
  result["pipeline_keeps_up"] = result["images_per_sec_data"] >= 0.95 * result[
      "images_per_sec_constant"]
  return result


def matmul_gflops(seconds: float = 3.0) -> float:
  """float32 2048x2048 matmul GFLOP/s in TF on this machine (the practical ceiling)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  n = 2048
  a, b = tf.random.normal([n, n]), tf.random.normal([n, n])
  f = tf.function(tf.matmul)
  f(a, b).numpy()
  reps, t0 = 0, time.perf_counter()
  while time.perf_counter() - t0 < seconds:
    f(a, b).numpy()
    reps += 1
  return 2 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9


def _subprocess(cmd, timeout=1800, root=ROOT) -> subprocess.CompletedProcess:
  env = dict(os.environ, PYTHONPATH=root, TF_CPP_MIN_LOG_LEVEL="3")
  return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
                        timeout=timeout)


def run_config(arch, batch, xla, replicas, seconds, steps_per_loop, mixed_precision=None,
               root=ROOT):
  cmd = [sys.executable, "-m", "benchmarks.throughput", "--_child", f"--arch={arch}",
         f"--batch={batch}", f"--seconds={seconds}", f"--steps_per_loop={steps_per_loop}",
         f"--replicas_n={replicas}"] + (["--xla_on"] if xla else []) + (
             [f"--mixed_precision={mixed_precision}"] if mixed_precision else [])
  proc = _subprocess(cmd, root=root)
  if proc.returncode:
    return {"arch": arch, "batch_size": batch, "xla": xla, "replicas": replicas,
            "error": proc.stderr.strip().splitlines()[-1][:300]}
  return json.loads(proc.stdout.strip().splitlines()[-1])


def trainer_images_per_sec(steps: int = 600) -> dict:
  """MNIST nets, batch 64, through `python -m trainers.main` as a user runs it."""
  with tempfile.TemporaryDirectory() as workdir:
    flagfile = os.path.join(ROOT, "trainers", "flagfiles", "fashion_mnist.flags")
    data = [] if os.path.isdir("/usr/share/datasets/fashion-mnist") else [
        "--dataset=procedural", "--num_examples=20000"]
    cmd = [sys.executable, "-m", "trainers.main", f"--flagfile={flagfile}",
           f"--workdir={workdir}", f"--steps={steps}", "--log_every=100",
           f"--checkpoint_every={steps}", f"--image_every={steps}", *data]
    t0 = time.perf_counter()
    proc = _subprocess(cmd)
    wall = time.perf_counter() - t0
  if proc.returncode:
    return {"error": proc.stderr.strip().splitlines()[-1]}
  m = re.search(r"reached step \d+; .*?; (\d+) images/s", proc.stderr)
  return {"command": " ".join(["python -m trainers.main", "--flagfile=" + os.path.relpath(
      flagfile, ROOT), f"--steps={steps}"] + data), "images_per_sec": float(m.group(1)),
          "wall_seconds": wall, "dataset": "fashion_mnist (IDX)" if not data else "procedural"}


def torch_images_per_sec(seconds: float = 30.0, autocast: str = None) -> dict:
  python = os.environ.get("TORCH_PYTHON", sys.executable)  # an interpreter that has torch
  proc = _subprocess([python, "-m", "benchmarks.torch_reference", f"--seconds={seconds}",
                      "--batch_size=64"] + ([f"--autocast={autocast}"] if autocast else []))
  if proc.returncode:
    return {"error": (proc.stderr.strip().splitlines() or ["torch not installed"])[-1]}
  return json.loads(proc.stdout.strip().splitlines()[-1])


def machine_line(m: dict) -> str:
  """'<cpu> (<isa>), <n> cores, TF <version>' for a results section, from `machine()`."""
  from infogan_tf import machine as machine_lib  # pylint: disable=g-import-not-at-top
  return machine_lib.line(m)


def machine() -> dict:
  """This machine (`infogan_tf.machine.describe`)."""
  from infogan_tf import machine as machine_lib  # pylint: disable=g-import-not-at-top
  return machine_lib.describe()


def interleaved(measure: Dict[str, Callable[[], float]], rounds: int) -> Dict[str, List[float]]:
  """Each side measured once per round, in `measure`'s order, `rounds` times (so machine drift
  hits every side alike): {side: [images/s, one per round]}."""
  speeds = {side: [] for side in measure}
  for _ in range(rounds):
    for side, run in measure.items():
      speeds[side].append(run())
  return speeds


def ratios(top: List[float], bottom: List[float]) -> Tuple[List[float], float]:
  """(round-by-round ratios top / bottom, their median)."""
  values = [a / b for a, b in zip(top, bottom)]
  return values, sorted(values)[len(values) // 2]


def _write_report(report: dict, path: str) -> None:
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, "w") as f:
    json.dump(report, f, indent=2)
  print(f"wrote {path}")


def ab_compare(args) -> None:
  """Same configs in two trees, interleaved (so machine drift hits both), as ratios."""
  other = os.path.abspath(args.ab_tree)
  commit = lambda root: subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                                       capture_output=True, text=True).stdout.strip()
  rows = []
  for arch, batch in itertools.product(args.archs.split(","),
                                       [int(b) for b in args.batch_sizes.split(",")]):
    speed = lambda root, arch=arch, batch=batch: run_config(
        arch, batch, False, 1, args.seconds, args.steps_per_loop, root=root).get(
            f"images_per_sec_{args.ab_input}", float("nan"))
    speeds = interleaved({"other": lambda: speed(other), "this": lambda: speed(ROOT)},
                         args.ab_rounds)
    each, median = ratios(speeds["this"], speeds["other"])
    row = {"arch": arch, "batch_size": batch, "input": args.ab_input, "this": speeds["this"],
           "other": speeds["other"], "ratios": each, "median_ratio": median}
    print(json.dumps(row), flush=True)
    rows.append(row)
  _write_report({"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                 "this": {"root": ROOT, "commit": commit(ROOT)},
                 "other": {"root": other, "commit": commit(other)}, "rows": rows},
                args.out_json)


def _precision_row(framework: str, arch: str, batch: int, speeds: Dict[str, List[float]]):
  """A row of the precision A/B (printed as it is made)."""
  each, median = ratios(speeds["mixed_bfloat16"], speeds["float32"])
  row = {"framework": framework, "arch": arch, "batch_size": batch, **speeds,
         "ratios_bfloat16_over_float32": each, "median_ratio": median}
  print(json.dumps(row), flush=True)
  return row


def precision_ab(args) -> None:
  """float32 against mixed_bfloat16 steps of this tree, and PyTorch's float32 step against its
  bfloat16 autocast, interleaved round by round (so machine drift hits both sides alike)."""
  precisions = ("float32", "mixed_bfloat16")
  rows = []
  for arch, batch in itertools.product(args.archs.split(","),
                                       [int(b) for b in args.batch_sizes.split(",")]):
    speed = lambda precision, arch=arch, batch=batch: run_config(
        arch, batch, False, 1, args.seconds, args.steps_per_loop,
        mixed_precision=precision).get("images_per_sec_constant", float("nan"))
    rows.append(_precision_row("infogan_tf", arch, batch, interleaved(
        {p: lambda p=p: speed(p) for p in precisions}, args.ab_rounds)))
  frameworks = []  # what the PyTorch child says it is (or its error)

  def torch_speed(precision):
    r = torch_images_per_sec(args.seconds, "bfloat16" if precision != "float32" else None)
    frameworks.append(r.get("framework", r.get("error")))
    return r.get("images_per_sec", float("nan"))

  speeds = interleaved({p: lambda p=p: torch_speed(p) for p in precisions}, args.ab_rounds)
  rows.append(_precision_row(frameworks[-1], "mnist", 64, speeds))
  from infogan_tf import precision as precision_lib  # pylint: disable=g-import-not-at-top
  chosen, reason = precision_lib.choose(precision_lib.detect())
  print(f"auto chooses {chosen} here: {reason}")
  _write_report({"date": time.strftime("%Y-%m-%d"), "machine": machine(),
                 "auto_chooses": {"precision": chosen, "reason": reason},
                 "command": "python -m benchmarks.throughput " + " ".join(sys.argv[1:]),
                 "rows": rows}, args.out_json)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--archs", default="mnist,svhn,sprites64")
  parser.add_argument("--batch_sizes", default="32,64,128")
  parser.add_argument("--xla", default="off,on")
  parser.add_argument("--replicas", default="1,2")
  parser.add_argument("--seconds", type=float, default=8.0)
  parser.add_argument("--steps_per_loop", type=int, default=10)
  parser.add_argument("--no_headline", action="store_true")
  parser.add_argument("--out_json", default=RESULTS_JSON)
  parser.add_argument("--ab_tree", default=None,
                      help="Another checkout (e.g. a `git worktree` of an older commit): run "
                      "--archs/--batch_sizes in it and here alternately, --ab_rounds times, "
                      "and report the speed ratio (this tree / that one). Nothing else runs.")
  parser.add_argument("--ab_rounds", type=int, default=3)
  parser.add_argument("--ab_precision", action="store_true",
                      help="Time --archs/--batch_sizes at float32 and mixed_bfloat16 "
                      "alternately, --ab_rounds times, and PyTorch's float32 step against its "
                      "bfloat16 autocast (TORCH_PYTHON names an interpreter with torch); report "
                      "the ratios. Nothing else runs.")
  parser.add_argument("--ab_input", default="constant", choices=("constant", "data"),
                      help="What feeds the A/B's steps: a constant in-memory batch (the step "
                      "alone) or the real input pipeline (the step and the pipeline).")
  parser.add_argument("--ab_fit", action="store_true",
                      help="Time InfoGAN.fit (steps_per_execution=--steps_per_loop) and the "
                      "command line's loop (steps_per_loop) alternately on the input pipeline, "
                      "--ab_rounds times; report fit / loop. Nothing else runs.")
  # Child mode (one configuration per fresh process).
  parser.add_argument("--_child", action="store_true", help=argparse.SUPPRESS)
  parser.add_argument("--_fit_child", action="store_true", help=argparse.SUPPRESS)
  parser.add_argument("--arch", default="mnist", help=argparse.SUPPRESS)
  parser.add_argument("--batch", type=int, default=64, help=argparse.SUPPRESS)
  parser.add_argument("--xla_on", action="store_true", help=argparse.SUPPRESS)
  parser.add_argument("--replicas_n", type=int, default=1, help=argparse.SUPPRESS)
  parser.add_argument("--mixed_precision", default=None, help=argparse.SUPPRESS)
  args, _ = parser.parse_known_args()
  if args._child:
    print(json.dumps(child(args)))
    return
  if args._fit_child:
    print(json.dumps(fit_child(args)))
    return
  if args.ab_fit:
    fit_ab(args)
    return
  if args.ab_tree:
    ab_compare(args)
    return
  if args.ab_precision:
    precision_ab(args)
    return
  matrix = []
  for arch, batch, xla, replicas in itertools.product(
      args.archs.split(","), [int(b) for b in args.batch_sizes.split(",")],
      [x == "on" for x in args.xla.split(",")], [int(r) for r in args.replicas.split(",")]):
    r = run_config(arch, batch, xla, replicas, args.seconds, args.steps_per_loop)
    print(json.dumps(r), flush=True)
    matrix.append(r)
  report = {"matmul_gflops": matmul_gflops(), "matrix": matrix}
  if not args.no_headline:
    trainer = trainer_images_per_sec()
    torch = torch_images_per_sec()
    mnist = [r for r in matrix if r["arch"] == "mnist" and "gflop_per_image" in r]
    gflop = mnist[0]["gflop_per_image"] if mnist else float("nan")
    ceiling = report["matmul_gflops"] / gflop
    report["headline"] = {"trainer": trainer, "pytorch": torch, "gflop_per_image": gflop,
                          "ceiling_images_per_sec": ceiling,
                          "fraction_of_ceiling": trainer.get("images_per_sec", 0) / ceiling}
    print(json.dumps(report["headline"]), flush=True)
  from benchmarks import record  # pylint: disable=g-import-not-at-top
  print("wrote", record.write(args.out_json, report))


if __name__ == "__main__":
  main()
