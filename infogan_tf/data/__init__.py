"""Image datasets (tfds, IDX, folders, procedural) and their tf.data pipelines."""

from infogan_tf.data import labelled
from infogan_tf.data.pipeline import (distributed_train_dataset, eval_batches, first_images,
                                      from_pixel_range, to_pixel_range, train_dataset)
from infogan_tf.data.loaders import load_source
from infogan_tf.data.source import DataError, ImageSource, from_arrays

__all__ = [
    "DataError", "ImageSource", "distributed_train_dataset", "eval_batches",
    "first_images", "from_arrays", "from_pixel_range", "labelled", "load_source",
    "to_pixel_range", "train_dataset",
]
