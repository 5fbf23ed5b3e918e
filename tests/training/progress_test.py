"""Tests for the progress line."""

import io

from infogan_tf.training.progress import Progress


def test_no_speed_is_shown_until_one_is_measured():
  progress = Progress(total_steps=10, start_step=0, stream=io.StringIO())
  assert "step 2/10" in progress.line(2, 0.0, 0.0, {}) and "- img/s ETA ?" in progress.line(
      2, 0.0, 0.0, {})
  assert "512 img/s ETA 0s" in progress.line(8, 512.0, 8.0, {"D": "1.0"})
