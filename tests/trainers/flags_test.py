"""Every flagfile parses into a valid config; bad flag values are clear errors."""

import glob
import os

import pytest
from absl import flags

from infogan_tf import config as config_lib
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
