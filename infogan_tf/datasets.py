"""Every dataset the trainer knows: one record each, the one place its facts live.

A record says where the images come from, which splits exist and which one evaluation reads,
its class label and known factors, which DataConfig settings apply to it, and its pixel and
resize rules. The config takes its choices and rules from here (`DataConfig`), the data layer
its loaders (`infogan_tf.data.loaders`), the evaluator its split. This module imports nothing
of the package (the config imports it).

Adding a dataset: a record below, and a loader in `infogan_tf.data.loaders.LOADERS` for a new
`kind`.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Tuple


@dataclasses.dataclass(frozen=True)
class Dataset:
  """One dataset's facts.

  Attributes:
    name: The `--dataset` value.
    kind: Its loader (`data.loaders.LOADERS`): 'procedural', 'idx', 'folder' or 'tfds'.
    summary: One line for users.
    label: The tfds feature holding the class label (None: no class label, e.g. CelebA).
    factors: The known ground-truth factors, in order: the tfds features holding them, or the
      names of those the loader makes (procedural).
    attribute_factors: The factors are every entry of tfds' 'attributes' feature, sorted by
      name (CelebA's 40 binary attributes).
    held_out: For datasets with only a 'train' split: {split asked for: split read}. Evaluation
      reads a held-out part of 'train' that training never sees.
    evaluates_on_training_images: True when there is no test split: evaluation reads the
      training images, with the labelled ones (ss runs) left out and no linear probe.
    sized: `image_size` sets the side (rendered or resized); other datasets keep theirs.
    takes_channels: `channels` applies (1 or 3); others keep the files' channels.
    needs_data_dir: `data_dir` is required (a folder of the user's files).
    idx_first: IDX files (in data_dir, then `package_dir`) are read before tfds.
    idx_classes: The class names of the IDX files' labels 0, 1, ... (tfds has its own).
    package: The Debian package that installs the dataset's IDX files in `package_dir` (the
      error of a missing dataset names it; `INFOGAN_<NAME>_DIR` overrides the folder).
    stored_binary: tfds stores 0/1 pixels; they are scaled to 0/255.
    crop: (top, left, size) central crop before resizing (CelebA's face).
  """

  name: str
  kind: str
  summary: str
  label: Optional[str] = "label"
  factors: Tuple[str, ...] = ()
  attribute_factors: bool = False
  held_out: Optional[Dict[str, str]] = None
  evaluates_on_training_images: bool = False
  sized: bool = False
  takes_channels: bool = False
  needs_data_dir: bool = False
  idx_first: bool = False
  idx_classes: Tuple[str, ...] = ()
  package: Optional[str] = None
  package_dir: Optional[str] = None
  stored_binary: bool = False
  crop: Optional[Tuple[int, int, int]] = None

  def idx_dirs(self, data_dir: Optional[str], environ: Dict[str, str]) -> List[str]:
    """The IDX folders tried, in order, before tfds: data_dir, then the package's folder
    (`INFOGAN_<NAME>_DIR` in `environ` overrides it)."""
    dirs = [data_dir] if data_dir else []
    if self.package_dir:
      dirs.append(environ.get(f"INFOGAN_{self.name.upper()}_DIR", self.package_dir))
    return dirs

  def read_split(self, split: str) -> str:
    """The split actually read when `split` is asked for (see `held_out`)."""
    return (self.held_out or {}).get(split, split)


# The first 20% of 'train' is held out for evaluation: 'train' means the other 80%.
_HELD_OUT_20 = {"train": "train[20%:]", "test": "train[:20%]"}

_RECORDS = (
    Dataset("procedural", "procedural", "shapes rendered in-process with known factors; no "
            "download", factors=("shape", "scale", "rotation", "x", "y"), sized=True,
            takes_channels=True),
    Dataset("mnist", "tfds", "handwritten digits, 28x28x1", idx_first=True,
            idx_classes=tuple(str(d) for d in range(10))),
    Dataset("fashion_mnist", "tfds", "clothes, 28x28x1", idx_first=True,
            idx_classes=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot"),
            package="dataset-fashion-mnist", package_dir="/usr/share/datasets/fashion-mnist"),
    Dataset("svhn_cropped", "tfds", "house-number digits, 32x32x3"),
    Dataset("celeb_a", "tfds", "faces, cropped and resized to image_size, 40 attributes",
            label=None, attribute_factors=True, sized=True, crop=(40, 19, 140)),
    Dataset("dsprites", "tfds", "2D sprites, 64x64x1, 5 known factors", label="label_shape",
            factors=("label_shape", "label_scale", "label_orientation", "label_x_position",
                     "label_y_position"), held_out=_HELD_OUT_20, stored_binary=True),
    Dataset("shapes3d", "tfds", "3D shapes, 64x64x3, 6 known factors", label="label_shape",
            factors=("label_floor_hue", "label_wall_hue", "label_object_hue", "label_scale",
                     "label_shape", "label_orientation"), held_out=_HELD_OUT_20),
    Dataset("idx", "idx", "IDX files (MNIST's format) in data_dir", needs_data_dir=True),
    Dataset("folder", "folder",
            "image files in data_dir; class sub-folders are labels, `unlabelled_folder` not",
            needs_data_dir=True, evaluates_on_training_images=True, sized=True,
            takes_channels=True),
)

DATASETS: Dict[str, Dataset] = {record.name: record for record in _RECORDS}
NAMES: Tuple[str, ...] = tuple(DATASETS)


def get(name: str) -> Dataset:
  """The record of dataset `name`; KeyError names the known ones."""
  try:
    return DATASETS[name]
  except KeyError:
    raise KeyError(f"unknown dataset {name!r}; known: {', '.join(NAMES)}") from None
