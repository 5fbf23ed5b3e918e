"""'info': L_I per code on generated samples, beside H(c)."""

from __future__ import annotations

from typing import List

from infogan_tf.evaluation.arrays import info_on_samples
from infogan_tf.evaluation.context import EvalContext

def score(ctx: EvalContext, report: dict) -> None:
  """'info': L_I per code on generated samples, beside H(c): 'L_I' as the exported models
  compute it (inference mode: D normalises generated images with the statistics of real ones)
  and 'L_I_batch_statistics' as the train step computes it (each training-sized batch's own
  statistics; what training logs as mi/<code>). The two part when generated images' statistics
  differ from real images' (see `info_on_samples`)."""
  report["info"] = info_on_samples(ctx.model, ctx.num_samples, ctx.seed)
  batched = info_on_samples(ctx.model, ctx.num_samples, ctx.seed,
                            batch=ctx.config.train.batch_size, training=True)
  for code, scores in batched.items():
    report["info"][code]["L_I_batch_statistics"] = scores["L_I"]


def summary(report: dict) -> List[str]:
  lines = []
  for code, s in report["info"].items():
    line = f"  L_I {code:6s} {s['L_I']:.3f}"
    if "L_I_batch_statistics" in s:
      line += (f" as exported, {s['L_I_batch_statistics']:.3f} with batch statistics (as "
               "training logs it)")
    lines.append(f"{line} / H(c) {s['H']:.3f}")
  return lines
