"""Random views of image batches, in-graph: shift/flip/zoom and cut-out (`views`), RandAugment
(`rand_augment`). `infogan_tf.augment.random_view` etc. are the views' functions."""

from infogan_tf.augment.views import cutout, nearest_neighbour_indices, random_view

__all__ = ["cutout", "nearest_neighbour_indices", "random_view"]
