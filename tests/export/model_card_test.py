"""The model card every export writes: the data, the training, the origin, the scores."""

import os
import shutil

from infogan_tf import evaluation
from infogan_tf.serving import exporter, model_card
from infogan_tf.serving import warmup


def _card(result) -> str:
  with open(os.path.join(result.path, warmup.ASSETS_EXTRA, model_card.FILENAME)) as f:
    return f.read()


def test_an_unevaluated_run_says_so_and_names_its_data_training_and_machine(exported):
  card = _card(exported)
  assert card.startswith("# Model card: ")
  for part in ("data set: procedural, split train, 512 examples; images (28, 28, 1)",
               "categorical codes [4]; 2 continuous codes",
               "training: 4 steps x 16, seed 0", "precision: float32",
               "a single run, as trained", "- not evaluated (no eval/report.json",
               "Signatures: encode, ", "TensorFlow 2.", "Keras 3."):
    assert part in card, (part, card)
  trained_on = next(line for line in card.splitlines() if line.startswith("- trained on: "))
  assert "cores, TF" in trained_on, trained_on  # the trainer recorded its machine


def test_an_evaluated_run_carries_its_headline_scores(trained_workdir, tmp_path):
  run = str(tmp_path / "run")
  shutil.copytree(trained_workdir, run)
  report = evaluation.evaluate(run, num_samples=100, probe_fractions=(0.1,),
                               projector_images=0)
  result = exporter.export_workdir(run, str(tmp_path / "models"))
  card = _card(result)
  acc = report["clustering"]["cat0"]["acc"]
  assert f"cat0 as a classifier (Hungarian matching): ACC {acc:.3f}" in card, card
  assert f"L_I(cat0) on generated images: {report['info']['cat0']['L_I']:.3f}" in card
  assert "not the exported checkpoint" not in card and "not evaluated" not in card
