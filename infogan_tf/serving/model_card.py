"""The model card every export writes (`assets.extra/model_card.md`, beside the contract).

What a reader of an exported model needs before using it, from the files the run left: the
data and its size, the latent code and the config, the evaluation's headline scores when a
report of the exported checkpoint exists ("not evaluated" otherwise), the selection and the
refinement the model came from, the training precision and machine, and the versions.
"""

from __future__ import annotations

import json
import os
import platform
import re
from typing import Dict, List, Optional

from infogan_tf import config as config_lib
from infogan_tf import machine as machine_lib

FILENAME = "model_card.md"
REPORT = os.path.join("eval", "report.json")  # where trainers.evaluate writes by default


def _read_json(path: str) -> Optional[dict]:
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError):
    return None


def _scores(report: dict) -> List[str]:
  """The report's headline scores, one bullet each."""
  out = []
  for code, c in report.get("clustering", {}).items():
    out.append(f"- {code} as a classifier (Hungarian matching): ACC {c['acc']:.3f}, NMI "
               f"{c['nmi']:.3f}, ARI {c['ari']:.3f}")
  for code, c in report.get("info", {}).items():
    out.append(f"- L_I({code}) on generated images: {c['L_I']:.3f} (H({code}) = {c['H']:.3f})")
  for key, value in report.get("probe", {}).items():
    out.append(f"- linear probe on Q's features, {key[len('probe'):] or key}: {value:.3f}")
  if "frechet" in report:
    out.append(f"- Fréchet distance (the package's feature classifier): "
               f"{report['frechet']['distance']:.2f}")
  if "mig" in report:
    out.append(f"- MIG {report['mig']['mig']:.3f}")
  if "factor_vae" in report:
    out.append(f"- FactorVAE score {report['factor_vae']['score']:.3f}")
  if "dci" in report:
    out.append(f"- DCI (lasso) disentanglement {report['dci']['disentanglement']:.3f}")
  if "dci_boosted_trees" in report:
    out.append(f"- DCI (boosted trees, disentanglement_lib's) disentanglement "
               f"{report['dci_boosted_trees']['disentanglement']:.3f}")
  return out


def _machine(m: Optional[dict]) -> str:
  return machine_lib.line(m) if m else "not recorded (a run from before config.json kept it)"


def card(model, checkpoint: Optional[str], signatures: List[str],
         exported_by: Optional[Dict[str, object]] = None) -> str:
  """The model card of `model` (an `InfoGAN` from `from_workdir`) as Markdown."""
  # pylint: disable=g-import-not-at-top
  import infogan_tf
  # pylint: enable=g-import-not-at-top
  config = model.config
  resolved = getattr(model, "resolved", None)
  run = getattr(model, "workdir", None)
  refine = _read_json(os.path.join(run, "refine.json")) if run else None
  trained_in = refine["source"]["workdir"] if refine else run
  history = {}
  if trained_in and os.path.exists(os.path.join(trained_in, config_lib.CONFIG_FILENAME)):
    history = config_lib.load_history(trained_in)
  data = config.data
  latent = config.latent
  # The checkpoint's step (an inference restore does not read the step counter).
  found = re.search(r"ckpt-(\d+)$", checkpoint or "")
  step = int(found.group(1)) if found else int(model.step.numpy())
  served = "moving average" if config.optimizer.averages_discriminator else "last weights"
  families = []
  if config.semi_supervised.codes:
    families.append(f"ss-InfoGAN (codes {list(config.semi_supervised.codes)} tied to "
                    f"{list(config.semi_supervised.label_columns)}, "
                    f"{config.semi_supervised.labels_per_class or '-'} labels per class)")
  if config.loss.cr_weight:
    families.append(f"InfoGAN-CR (weight {config.loss.cr_weight:g})")
  if config.loss.real_info_weight:
    families.append(f"Q trained on real views (IIC, weight {config.loss.real_info_weight:g})")
  lines = [
      f"# Model card: {os.path.basename(os.path.normpath(trained_in or 'model'))}",
      "",
      "InfoGAN (Chen et al. 2016): a generator G(z, c) and a discriminator whose Q head reads "
      "the latent code c back; exported by infogan_tf. "
      + (f"Objective: InfoGAN with {', '.join(families)}." if families else
         "Objective: unsupervised InfoGAN (no labels read in training)."),
      "",
      "## Data",
      f"- data set: {data.name}" + (f" from {data.data_dir}" if data.data_dir else "")
      + f", split {data.split}, {data.num_examples or 'all'} examples"
      + f"; images {tuple(config.model.image_shape)}",
      "",
      "## Latent code and networks",
      f"- noise: {latent.noise_dim} dims, {latent.noise_prior} prior; categorical codes "
      f"{list(latent.categorical) or 'none'}; {latent.continuous} continuous codes "
      f"(Q's std {'learnt' if model.continuous_std is None else model.continuous_std})",
      f"- networks: {config.model.architecture}"
      + (", spectral norm" if config.model.spectral_norm else ""),
      f"- training: {step} steps x {config.train.batch_size}, seed {config.train.seed}, "
      f"G lr {config.optimizer.g_learning_rate:g}, D lr {config.optimizer.d_learning_rate:g}; "
      f"`encode` serves D's {served}",
      f"- precision: {config.model.precision}"
      + (f" (auto: {history['precision_choice']['reason']})"
         if history.get("precision_choice") else ""),
      f"- trained on: {_machine(history.get('machine'))}"
      + "".join(f"; resumed on {machine_lib.line(m)}" for m in history.get("machines", [])),
      f"- checkpoint: {checkpoint or 'in memory'}",
      "",
      "## Where it came from",
  ]
  if resolved is not None and resolved.kind == "selection":
    selection = resolved.selection
    lines.append(f"- selection {resolved.path}: the pick of {len(selection['workdirs'])} runs "
                 f"by {selection.get('criterion', 'centrality')}: {selection['reason']}")
    if selection.get("tie"):
      lines.append(f"- {selection['tie']}")
  if refine:
    settings = refine.get("settings", {})
    last = (refine.get("rounds") or [{}])[-1]
    lines.append(f"- refined by self-labelling (trainers.refine) from "
                 f"{refine['source']['checkpoint']}: threshold {settings.get('threshold')}, "
                 f"{len(refine.get('rounds', []))} round(s), last round on "
                 f"{last.get('confident')} of {last.get('images')} confident images")
  if not (refine or (resolved is not None and resolved.kind == "selection")):
    lines.append("- a single run, as trained (no selection among seeds, no refinement)")
  lines += ["", "## Evaluation"]
  report = _read_json(os.path.join(run, REPORT)) if run else None
  if report is None:
    lines.append(f"- not evaluated (no {REPORT} in the run: `python -m trainers.evaluate "
                 f"--workdir={run}` writes one)")
  else:
    same = os.path.basename(str(report.get("checkpoint"))) == os.path.basename(str(checkpoint))
    lines.append(f"- `trainers.evaluate` of {report.get('checkpoint')} (step {report.get('step')}"
                 f", {report.get('num_test')} {report.get('split')} images)"
                 + ("" if same else f"; **not the exported checkpoint** ({checkpoint})"))
    lines += _scores(report)
  exported_by = exported_by or machine_lib.describe()
  lines += [
      "", "## Use and limits",
      "- The codes are unsupervised: a category's number means nothing until it is matched to "
      "classes (the ACC above does that with labels), and another seed numbers them otherwise.",
      "- Inputs of `encode` are images in [0, 1] of the shape above; `generate` and `sample` "
      "give such images. Signatures: " + ", ".join(signatures) + " (each request's cap: "
      "`budgets` in infogan_config.json).",
      "- Judge it on your data: the scores above are on the data set named here only.",
      "", "## Versions",
      f"- infogan_tf {infogan_tf.__version__}, TensorFlow {exported_by['tensorflow']}, Keras "
      f"{exported_by['keras']}, Python {platform.python_version()}",
      f"- exported on {machine_lib.line(exported_by)}",
  ]
  return "\n".join(lines) + "\n"
