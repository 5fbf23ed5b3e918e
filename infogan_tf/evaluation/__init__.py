"""Evaluate a trained workdir: does the code mean something?

`evaluate(workdir)` restores the models, encodes the evaluation images once (`EvalContext`), then
runs each scorer of `scorers.SCORERS` in turn; each adds its section to the report when it
applies and carries its own lines of `summary_table`. A new metric is one module in `scorers/`
(`score(ctx, report)`, `summary(report)`) and one entry in `SCORERS`.

The sections (all on a labelled held-out split unless said otherwise):
  - semi_supervised (ss-InfoGAN runs): per ss code, accuracy with *no* matching (code index ==
    label) in inference mode as exported and with batch statistics, Hungarian ACC/NMI/ARI, and
    class-conditional generation accuracy (images generated with c_ss = k, classified by the
    dataset classifier: Spurr et al.'s metric); labelled training images are excluded;
  - clustering: each categorical code's arg-max of Q on real images as a clustering of the
    labels: ACC (one-to-one Hungarian matching), ACC with majority labels, NMI, ARI, and the
    code-value x label count table with the label each code value is matched to;
  - agreement (a selection's pick): the accuracy on the images every selected run agreed on;
  - info: per-code L_I = H(c) - CE (categorical) and ln 2 - NLL (continuous) on generated
    samples, next to H(c): as the exported models compute it (inference mode) and with batch
    statistics (as training logs it);
  - probe: linear-probe accuracy of the trunk features with 1% and 10% of the train labels;
  - frechet: Fréchet distance between real and generated images in the feature space of a
    classifier trained on the dataset's labels (saved and reused, see metrics/feature_classifier);
  - mig, factor_vae, dci: on data with known factors, the MIG, the FactorVAE score and DCI
    (disentanglement, completeness, informativeness) of [categorical arg-max, continuous means],
    with the factor each code is tied to;
  - traversal PNGs like the paper's Figure 2 in <workdir>/eval/ (ss codes' rows named by class).

Modules: `arrays` (the models over arrays in memory: load, encode, generate, L_I), `context`
(what the scorers share), `scorers/` (one module per section), `report` (`evaluate`, writing
the report, `summary_table`).
"""

from infogan_tf.evaluation.arrays import (code_matrix, column_values, drop_rows, encode,
                                          info_on_samples, load_arrays)
from infogan_tf.evaluation.context import EVAL_SPLIT, EvalContext, evaluates_on_training_images
from infogan_tf.evaluation.report import (EVAL_SUBDIR, PROJECTOR_IMAGES, REPORT_FILENAME,
                                          evaluate, summary_table)
from infogan_tf.evaluation.scorers import SCORERS
from infogan_tf.evaluation.scorers.semi_supervised import semi_supervised_scores

__all__ = [
    "EVAL_SPLIT", "EVAL_SUBDIR", "EvalContext", "PROJECTOR_IMAGES", "REPORT_FILENAME", "SCORERS",
    "code_matrix", "column_values", "drop_rows", "encode", "evaluate",
    "evaluates_on_training_images", "info_on_samples", "load_arrays", "semi_supervised_scores",
    "summary_table",
]
