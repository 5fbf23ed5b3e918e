"""An extension (off by default): Q's categorical heads also cluster *real* images (IIC).

  D step  real_info  -w * I(Q(x); Q(view of x))   trunk, Q head

The mutual information between Q's assignments of a real batch and of a second view of it
(Ji et al. 2019), per categorical code, weighted by `real_info_weight`. The view is a random
shift/flip/zoom of each image (`real_info_pairing='augment'`) or each image's nearest other
image of the batch in D's trunk features ('neighbour', as in SCAN). Logs real_mi/cat<i>.
"""

from __future__ import annotations

from typing import Tuple

import tensorflow as tf

from infogan_tf import augment, losses
from infogan_tf import config as config_lib
from infogan_tf.objectives import base


class RealInfo(base.Family):
  """The IIC term on real images, in the D step."""

  name = "real_info"

  @classmethod
  def enabled(cls, config: config_lib.ExperimentConfig) -> bool:
    return config.loss.real_info_weight > 0 and len(config.latent.categorical) > 0

  def discriminator_terms(self, D, d_pass: base.DiscriminatorPass
                          ) -> Tuple[base.Terms, base.Logs]:
    loss = self.config.loss
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    real_out = d_pass.real_out
    real_probs = [tf.nn.softmax(a) for a in real_out.categorical_logits]  # [b, k]
    if loss.real_info_pairing == "neighbour":
      nearest = augment.nearest_neighbour_indices(real_out.features)  # [b]
      view_probs = [tf.gather(p, nearest) for p in real_probs]
    else:
      view = augment.random_view(d_pass.batch["images"], self.context.rng, loss.augment_shift,
                                 loss.augment_flip, self.context.pixel_low,
                                 loss.augment_zoom)  # [b, H, W, C]
      view_probs = [tf.nn.softmax(a) for a in D(view, training=True).categorical_logits]
    real_mi = [losses.paired_assignment_mutual_information(p, v)
               for p, v in zip(real_probs, view_probs)]
    # The MI is a statistic of the replica's whole batch, not a mean of per-example losses:
    # each replica contributes 1/replicas of it.
    terms = {"real_info": -loss.real_info_weight * tf.add_n(real_mi) / replicas}
    logs = {f"real_mi/cat{i}": mi / replicas for i, mi in enumerate(real_mi)}
    return terms, logs
