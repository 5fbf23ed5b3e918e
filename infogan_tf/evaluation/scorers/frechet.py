"""'frechet': the Fréchet distance of generated and real images in a trained classifier's
features."""

from __future__ import annotations

from typing import List

from infogan_tf.evaluation.arrays import generate
from infogan_tf.evaluation.context import EvalContext
from infogan_tf.metrics import feature_classifier, frechet

def score(ctx: EvalContext, report: dict) -> None:
  """'frechet': the Fréchet distance of generated and real images in a trained classifier's
  features."""
  if not (ctx.labelled and ctx.has_held_out_images):
    return
  classifier, info = ctx.classifier()
  features = feature_classifier.feature_model(classifier)
  n = min(ctx.num_samples, len(ctx.test_x))
  fake = generate(ctx.model, n, ctx.seed)
  real_feats = features.predict(ctx.test_x[:n], batch_size=1000, verbose=0)
  fake_feats = features.predict(fake, batch_size=1000, verbose=0)
  report["frechet"] = {"distance": frechet.frechet_distance(real_feats, fake_feats),
                       "num_images": int(n), "classifier": info}


def summary(report: dict) -> List[str]:
  if "frechet" not in report:
    return []
  return [f"  Frechet distance {report['frechet']['distance']:.3f} (classifier test acc "
          f"{report['frechet']['classifier']['test_accuracy']:.3f})"]
