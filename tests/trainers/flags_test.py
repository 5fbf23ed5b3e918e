"""Every flagfile parses into a valid config; bad flag values are clear errors."""

import dataclasses
import glob
import json
import os
import re
import typing

import pytest
from absl import flags

from infogan_tf import config as config_lib
from infogan_tf.cli import config_flags
from tests import helpers
from trainers import flags as trainer_flags

FLAGFILES = sorted(glob.glob(os.path.join(helpers.ROOT, "trainers", "flagfiles", "*.flags")))


def _parse(*args):
  fv = flags.FlagValues()
  trainer_flags.define_flags(fv)
  fv(["prog", *args])
  return trainer_flags.config_from_flags(fv)


def test_all_experiments_have_flagfiles():
  names = {os.path.basename(f) for f in FLAGFILES}
  assert {"demo.flags", "mnist.flags", "fashion_mnist.flags", "svhn.flags", "celeba.flags",
          "dsprites.flags", "shapes3d.flags"} <= names


@pytest.mark.parametrize("path", FLAGFILES, ids=os.path.basename)
def test_flagfile_parses(path):
  config = _parse(f"--flagfile={path}")
  assert config.train.workdir
  assert config.model.image_shape is None  # resolved from the data at train time
  config.validate()


@pytest.mark.parametrize("name, categorical, continuous, noise", [
    ("mnist", (10,), 2, 62),
    ("svhn", (10,) * 4, 4, 124),
    ("celeba", (10,) * 10, 0, 128),
    ("dsprites", (), 5, 128),
    ("shapes3d", (20,) * 3, 1, 128),
])
def test_paper_latent_specs(name, categorical, continuous, noise):
  path = os.path.join(helpers.ROOT, "trainers", "flagfiles", f"{name}.flags")
  latent = _parse(f"--flagfile={path}").latent
  assert (latent.categorical, latent.continuous, latent.noise_dim) == (
      categorical, continuous, noise)


def test_iic_view_flags_reach_the_loss_config():
  loss = _parse("--workdir=/tmp/x", "--real_info_weight=0.5", "--augment_shift=3",
                "--augment_flip", "--augment_zoom=0.25").loss
  assert (loss.real_info_weight, loss.augment_shift, loss.augment_flip, loss.augment_zoom) == (
      0.5, 3, True, 0.25)


def test_command_line_overrides_flagfile():
  path = os.path.join(helpers.ROOT, "trainers", "flagfiles", "demo.flags")
  config = _parse(f"--flagfile={path}", "--steps=7", "--continuous_std=1.0")
  assert config.train.steps == 7 and config.loss.continuous_std == 1.0


@pytest.mark.parametrize("args, message", [
    (["--workdir=/tmp/x", "--batch_size=0"], "batch_size"),
    (["--workdir=/tmp/x", "--categorical=ten"], "--categorical"),
    (["--workdir=/tmp/x", "--continuous_std=wide"], "--continuous_std"),
    ([], "--workdir"),
    (["--workdir=/tmp/x", "--dataset=idx"], "needs data_dir"),
    (["--workdir=/tmp/x", "--augment_zoom=1.5"], "augment_zoom"),
])
def test_bad_values_raise_config_errors(args, message):
  with pytest.raises(config_lib.ConfigError, match=message):
    _parse(*args)


def test_unknown_enum_value_fails_at_parse():
  with pytest.raises(flags.IllegalFlagValueError):
    _parse("--workdir=/tmp/x", "--architecture=vgg")


def test_semi_supervised_flags_reach_the_config():
  config = _parse("--workdir=/tmp/x", "--categorical=10,4", "--ss_codes=0,1",
                  "--label_columns=label,shape", "--labelled_fraction=0.01", "--label_seed=3",
                  "--lambda_ss=2", "--q_ss_on_generated", "--consistency_weight=0.5",
                  "--ss_augment_flip", "--cutout=0", "--labelled_batch_size=16")
  ss = config.semi_supervised
  assert ss.codes == (0, 1) and ss.label_columns == ("label", "shape")
  assert (ss.labelled_fraction, ss.labels_per_class, ss.label_seed) == (0.01, 0, 3)
  assert ss.lambda_ss == 2 and ss.q_ss_on_generated and ss.augment_flip and ss.cutout == 0
  assert ss.consistency_weight == 0.5 and ss.labelled_batch_size == 16
  assert not ss.consistency_adaptive_threshold and not ss.consistency_from_average
  pseudo = _parse("--workdir=/tmp/x", "--ss_codes=0", "--labels_per_class=10",
                  "--consistency_weight=1", "--consistency_adaptive_threshold",
                  "--d_average_decay=0.99", "--consistency_from_average",
                  "--consistency_alignment", "--consistency_extra_images=8",
                  "--strong_randaugment_ops=2")
  assert pseudo.optimizer.d_average_decay == 0.99
  assert (pseudo.semi_supervised.consistency_adaptive_threshold
          and pseudo.semi_supervised.consistency_from_average
          and pseudo.semi_supervised.consistency_alignment
          and pseudo.semi_supervised.consistency_extra_images == 8
          and pseudo.semi_supervised.strong_randaugment_ops == 2)
  assert ss.strong_randaugment_ops == 0  # off unless asked for
  default = _parse("--workdir=/tmp/x", "--ss_codes=0", "--labels_per_class=10")
  assert default.semi_supervised.label_columns == ("label",)  # the class label by default
  assert not _parse("--workdir=/tmp/x").semi_supervised.enabled


@pytest.mark.parametrize("args, message", [
    (["--ss_codes=1", "--labels_per_class=5"], "ss code 1 does not exist"),
    (["--ss_codes=0"], "set exactly one of labels_per_class"),
    (["--ss_codes=0", "--labels_per_class=5", "--labelled_fraction=0.1"], "exactly one"),
    (["--ss_codes=0", "--labels_per_class=5", "--label_columns=a,b"], "one label column per"),
    (["--ss_codes=0,0", "--labels_per_class=5"], "must not repeat"),
    (["--ss_codes=0", "--labels_per_class=5", "--consistency_threshold=0"],
     "consistency_threshold"),
    (["--label_columns=shape"], r"label_columns: only used with semi-supervised codes"),
    (["--consistency_weight=1", "--strong_randaugment_ops=2"],
     r"consistency_weight, strong_randaugment_ops: only used with semi-supervised codes \(set "
     r"ss_codes\)"),
    (["--labels_per_class=10"], "labels_per_class: only used with semi-supervised codes"),
    (["--ss_codes=0", "--labels_per_class=5", "--consistency_adaptive_threshold"],
     r"consistency_adaptive_threshold: only used with consistency_weight > 0"),
    (["--ss_codes=0", "--labels_per_class=5", "--cutout=4", "--consistency_alignment"],
     r"cutout, consistency_alignment: only used with consistency_weight > 0 \(the "
     r"pseudo-label term is off\)"),
    (["--augment_zoom=0.2"], r"augment_zoom: only used with real_info_weight > 0"),
    (["--ss_codes=0", "--labels_per_class=5", "--consistency_weight=1",
      "--consistency_from_average"], "needs d_average_decay > 0"),
    (["--d_average_decay=1"], r"d_average_decay must be in \[0, 1\)"),
    (["--ss_codes=0", "--labels_per_class=5", "--strong_randaugment_ops=2"],
     "strong_randaugment_ops: only used with consistency_weight > 0"),
    (["--ss_codes=0", "--labels_per_class=5", "--consistency_weight=1",
      "--strong_randaugment_ops=-1"], r"strong_randaugment_ops must be in \[0, 10\]"),
])
def test_bad_semi_supervised_flags(args, message):
  with pytest.raises(config_lib.ConfigError, match=message):
    _parse("--workdir=/tmp/x", *args)


# Flags of trainers.main that are not config fields (how the command runs, not what it trains).
COMMAND_FLAGS = {"debug", "verbose", "allow_resume_changes"}


def _trainer_flag_names():
  fv = flags.FlagValues()
  trainer_flags.define_flags(fv)
  return {name for name, flag in fv._flags().items() if name == flag.name} - set(
      flags.FlagValues()._flags())  # minus absl's own (--flagfile, --undefok, ...)


def test_every_config_field_has_exactly_one_flag_and_every_flag_one_field():
  fields = [(part, f.name) for part, cls in config_lib.PART_TYPES.items()
            for f in dataclasses.fields(cls)]
  by_flag = {}
  for flag in config_flags.config_flags():
    assert flag.name not in by_flag, (flag.name, by_flag.get(flag.name), flag.path)
    by_flag[flag.name] = (flag.part, flag.field.name)
  assert sorted(by_flag.values()) == sorted(fields)
  assert _trainer_flag_names() == set(by_flag) | COMMAND_FLAGS


def _non_default_example(flag):
  """A command-line value for `flag` other than its default, and the config value it means."""
  inner, _ = flag._inner()  # pylint: disable=protected-access
  choices = flag.field.metadata.get("choices")
  if choices:
    other = next(c for c in choices if c != flag.default)
    return other, other
  if flag.field.metadata.get("none_means"):
    return "0.5", 0.5
  if inner is bool:
    return ("false" if flag.default else "true"), not flag.default
  if inner is int:
    return str(flag.default + 3), flag.default + 3
  if inner is float:
    return str(flag.default + 0.25), flag.default + 0.25
  if inner is str:
    return "somewhere", "somewhere"
  item = typing.get_args(inner)[0]
  values = (7, 8, 9) if item is int else ("a", "b")
  if flag.path == "model.image_shape":
    values = (28, 28, 3)
  return ",".join(str(v) for v in values), values


@pytest.mark.parametrize("flag", list(config_flags.config_flags()), ids=lambda f: f.name)
def test_each_flag_sets_its_field_and_only_it(flag):
  """The generic assembly: --name=value reaches exactly the field it names (before the
  config's cross-field validation, which a single changed field may trip)."""
  text, want = _non_default_example(flag)
  fv = flags.FlagValues()
  trainer_flags.define_flags(fv)
  fv(["prog", f"--{flag.name}={text}"])
  for other in config_flags.config_flags():
    got = other.value(fv[other.name].value)
    if other.path == flag.path:
      assert got == want
    else:
      default = getattr(config_lib.PART_TYPES[other.part](), other.field.name)
      assert got == default, other.path


@pytest.mark.parametrize("path", FLAGFILES, ids=os.path.basename)
def test_flagfile_resolves_to_its_recorded_config(path):
  """tests/trainers/golden/<name>.json: the config every flagfile gave before the flags were
  generated from the config (commit 'tests/trainers/golden: every flagfile's config.json')."""
  name = os.path.basename(path)[:-len(".flags")]
  with open(os.path.join(os.path.dirname(__file__), "golden", f"{name}.json")) as f:
    golden = json.load(f)
  resolved = json.loads(_parse(f"--flagfile={path}").to_json())
  defaults = json.loads(config_lib.ExperimentConfig().to_json())
  assert set(resolved) == set(golden)
  for part, fields in resolved.items():
    for field, value in fields.items():  # a field added since keeps its default
      want = golden[part][field] if field in golden[part] else defaults[part][field]
      assert value == want, f"{part}.{field}"
    assert set(golden[part]) <= set(fields), f"{part}: a field was removed"


def test_docs_flag_table_is_generated_from_the_config():
  with open(os.path.join(helpers.ROOT, "docs", "flags.md")) as f:
    assert f.read() == config_flags.markdown_table() + "\n", (
        "docs/flags.md is stale: python -m infogan_tf.cli.config_flags > docs/flags.md")


def test_training_guide_flag_table_names_real_flags_and_every_flag():
  """docs/training.md's grouped table of trainers.main flags: nothing stale, nothing missing."""
  with open(os.path.join(helpers.ROOT, "docs", "training.md")) as f:
    text = f.read()
  start = text.index("| flag | meaning |")
  table = text[start:text.index("\n\n", start)]
  named = set(re.findall(r"`--(?:\[no\])?([a-z_0-9]+)", table))
  trainer = _trainer_flag_names()
  assert named - trainer == set(), "docs/training.md names flags trainers.main does not have"
  assert trainer - named == set(), "docs/training.md's table misses flags (see docs/flags.md)"
