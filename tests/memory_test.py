"""Memory across calls in one process, as a user's script sees it: `ig.train`, `ig.evaluate` and
`ig.export` six times each, nothing else in between (no gc.collect by the caller), in a fresh
Python process so no other test's allocations move the figures."""

import json
import os
import subprocess
import sys

from tests import helpers

SCRIPT = r"""
import ctypes, io, json, os, sys
import infogan_tf as ig

libc = ctypes.CDLL("libc.so.6")

def rss_mib():
    # glibc keeps freed memory in its arenas (RSS then swings +-40 MiB from call to call);
    # malloc_trim hands it back to the OS, so RSS is what is still allocated. Unlike
    # gc.collect it frees nothing the program holds.
    libc.malloc_trim(0)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024

root, classifiers = sys.argv[1:3]
def config(workdir):  # the README's Python block, smaller
    return ig.ExperimentConfig(
        latent=ig.LatentConfig(noise_dim=16, categorical=(4,), continuous=2),
        data=ig.DataConfig(name="procedural", num_examples=1000),
        train=ig.TrainConfig(workdir=workdir, steps=4, batch_size=16, log_every=2,
                             checkpoint_every=4, image_every=4))
calls = {
    "train": lambda i: ig.train(config(f"{root}/run{i}"), stream=io.StringIO()),
    "evaluate": lambda i: ig.evaluate(f"{root}/run0", num_samples=200, probe_fractions=(0.1,),
                                      max_train_examples=500, classifier_dir=classifiers,
                                      projector_images=0, write=False),
    "export": lambda i: ig.export(f"{root}/run0", f"{root}/models"),
}
rss = {}
for name, call in calls.items():
    rss[name] = []
    for i in range(6):
        call(i)
        rss[name].append(rss_mib())
print(json.dumps(rss))
"""


def test_train_evaluate_and_export_free_what_they_made(tmp_path, classifier_dir):
  """Each grows the process by <= 20 MiB a call after its second (train grew by 53-71 MiB a
  call and evaluate by 39 before they collected their own cycles; evaluate also released
  nothing, its decorator being on the wrong object)."""
  env = {**os.environ, "PYTHONPATH": helpers.ROOT, "TF_CPP_MIN_LOG_LEVEL": "2",
         "INFOGAN_TF_QUIET_STARTUP": "1"}
  proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), str(classifier_dir)],
                        capture_output=True, text=True, env=env, timeout=900)
  assert proc.returncode == 0, proc.stderr[-3000:]
  rss = json.loads(proc.stdout.strip().splitlines()[-1])
  for name, values in rss.items():
    assert (values[5] - values[1]) / 4 <= 20, (name, values)  # calls 3 to 6 on average
