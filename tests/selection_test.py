"""Label-free selection among runs: the similarity parts, the pick, the pointer, the errors."""

import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from infogan_tf import config as config_lib
from infogan_tf import evaluation, selection
from infogan_tf import sweeps
from infogan_tf.training import checkpointing
from tests import helpers


def test_categorical_agreement_ignores_how_categories_are_numbered():
  rs = np.random.RandomState(0)
  a = rs.randint(0, 4, 3000)
  permuted = np.array([2, 0, 3, 1])[a]  # the same clustering, other category numbers
  unrelated = rs.randint(0, 4, 3000)
  runs = [{"cat0": a}, {"cat0": permuted}, {"cat0": unrelated}]
  agreement = selection._categorical_agreement(runs, (4,))  # pylint: disable=protected-access
  assert agreement[0, 1] == pytest.approx(1.0) and agreement[1, 0] == pytest.approx(1.0)
  assert agreement[0, 2] < 0.01 and np.all(np.diag(agreement) == 1.0)


def test_agreement_matches_each_runs_categories_to_the_picks():
  rs = np.random.RandomState(0)
  pick = rs.randint(0, 4, 1000)
  relabelled = np.array([2, 0, 3, 1])[pick]  # the same clustering, numbered otherwise
  noisy = pick.copy()
  noisy[:100] = (pick[:100] + 1) % 4  # disagrees on the first 100 images
  runs = [{"cat0": pick}, {"cat0": relabelled}, {"cat0": noisy}]
  result = selection.agreement(runs, pick=0, sizes=(4,))["cat0"]
  assert result["all"] == pytest.approx(0.9) and result["all_but_one"] == pytest.approx(0.1)
  assert result["agreed"] == list(range(100, 1000))
  assert result["per_category"] == pytest.approx(
      [np.mean(np.arange(1000)[pick == c] >= 100) for c in range(4)])
  assert "all 3 runs agree on 90.0% of 1000 images, all but one on 10.0%" in (
      selection.agreement_line("cat0", result))


def test_the_most_central_run_is_the_medoid():
  # Runs 0, 1, 2 agree with each other; run 3 is an outlier that agrees a little with each.
  similarity = np.array([[1.0, 0.9, 0.8, 0.2],
                         [0.9, 1.0, 0.85, 0.1],
                         [0.8, 0.85, 1.0, 0.3],
                         [0.2, 0.1, 0.3, 1.0]])
  centrality = selection.mean_similarity_to_others(similarity)
  np.testing.assert_allclose(centrality, [1.9 / 3, 1.85 / 3, 1.95 / 3, 0.6 / 3])
  assert int(np.argmax(centrality)) == 2


def test_select_scores_real_runs_and_writes_a_pointer(tmp_path, trained_workdir, mirrored_workdir):
  copy = tmp_path / "copy_of_seed0"
  shutil.copytree(trained_workdir, copy)
  workdirs = [trained_workdir, mirrored_workdir, str(copy)]
  result = selection.select(workdirs, num_images=300, log=lambda *_: None)
  similarity = np.array(result["similarity"])
  assert similarity.shape == (3, 3) and np.allclose(similarity, similarity.T)
  assert np.all(np.diag(similarity) == 1.0) and np.all((0 <= similarity) & (similarity <= 1))
  assert set(result["parts"]) == {"categorical", "continuous"}
  # Identical runs assign every real image to the same category.
  assert result["parts"]["categorical"][0][2] == pytest.approx(1.0)
  centrality = result["centrality"]
  assert result["pick"] == workdirs[int(np.argmax(centrality))]
  assert result["pick"] in result["reason"]
  assert result["checkpoints"][0].endswith("ckpt-4")
  # The copy agrees with seed 0 on every image; the runs' agreement is reported per code.
  agreement = result["agreement"]["cat0"]
  assert agreement["runs"] == 3 and agreement["images"] == 300
  assert agreement["all"] + agreement["all_but_one"] == pytest.approx(1.0)
  assert len(agreement["agreed"]) == round(agreement["all"] * 300)
  path = selection.write_selection(result, str(tmp_path / "out"))
  assert json.load(open(path))["pick"] == result["pick"]
  # trainers.evaluate of the selection: the pick's accuracy on the agreed images beside all.
  report = evaluation.evaluate(result["pick"], num_samples=100, probe_fractions=(),
                               projector_images=0, write=False,
                               agreement=selection.load_selection(path)["agreement"])
  scores = report["agreement"]["cat0"]
  assert scores["agreed_images"] == len(agreement["agreed"])
  assert scores["acc"] == pytest.approx(report["clustering"]["cat0"]["acc"])
  assert 0.0 <= scores["acc_on_agreed"] <= 1.0
  assert "selected runs agree on" in evaluation.summary_table(report)
  # trainers.evaluate and export.main accept the file or its folder as the workdir.
  assert selection.resolve_workdir(path) == result["pick"]
  assert selection.resolve_workdir(str(tmp_path / "out")) == result["pick"]
  assert selection.resolve_workdir(trained_workdir) == trained_workdir


def test_select_ranks_the_runs_at_an_earlier_checkpoint(tmp_path, trained_workdir,
                                                        mirrored_workdir):
  """step=2 compares every run's ckpt-2 (the ranking part-way through training); a step some
  run did not keep is named."""
  copy = tmp_path / "copy_of_seed0"
  shutil.copytree(trained_workdir, copy)
  workdirs = [trained_workdir, mirrored_workdir, str(copy)]
  early = selection.select(workdirs, num_images=200, log=lambda *_: None, step=2)
  assert [os.path.basename(c) for c in early["checkpoints"]] == ["ckpt-2"] * 3
  assert early["parts"]["categorical"][0][2] == pytest.approx(1.0)  # the copy, at step 2 too
  latest = selection.select(workdirs, num_images=200, log=lambda *_: None)
  assert early["similarity"] != latest["similarity"]  # other weights, other scores
  with pytest.raises(checkpointing.CheckpointError, match="ckpt-3"):
    selection.select(workdirs, num_images=200, log=lambda *_: None, step=3)


def test_runs_that_cannot_be_compared_are_refused(tmp_path, trained_workdir):
  with pytest.raises(selection.SelectionError, match="at least 3 runs"):
    selection.select([trained_workdir, trained_workdir])
  other = tmp_path / "other_latent"
  config = config_lib.load_config(trained_workdir)
  config_lib.save_config(helpers.with_parts(config, latent=dict(categorical=(5,))), str(other))
  with pytest.raises(selection.SelectionError, match=r"another latent config .*categorical"):
    selection.select([trained_workdir, trained_workdir, str(other)])
  untrained = tmp_path / "untrained"
  config_lib.save_config(config, str(untrained))
  with pytest.raises(checkpointing.CheckpointError, match="no checkpoint"):
    selection.select([trained_workdir, str(untrained), trained_workdir], num_images=100)
  with pytest.raises(config_lib.ConfigError, match="is it a training workdir"):
    selection.select([trained_workdir, str(tmp_path / "nothing"), trained_workdir])
  with pytest.raises(selection.SelectionError, match="no workdir matches"):
    sweeps.expand_workdirs([str(tmp_path / "seed_*")])
  bad = tmp_path / "selection.json"
  bad.write_text("{}")
  with pytest.raises(selection.SelectionError, match="not a selection"):
    selection.resolve_workdir(str(bad))


def test_criteria_of_known_posteriors():
  """confident_share counts top probabilities >= 0.99, balance is 1 for a uniform marginal and
  0 for a collapsed code, view_stability is the NMI of the two views' categories."""
  from infogan_tf import criteria  # pylint: disable=g-import-not-at-top
  sharp = np.eye(4)[np.arange(400) % 4] * 0.996 + 0.001  # [400, 4], top 0.997
  soft = np.full([400, 4], 0.25)
  scores = criteria._per_code([sharp], [sharp])  # pylint: disable=protected-access
  assert scores["confident_share"] == 1.0 and scores["mean_confidence"] == pytest.approx(0.997)
  assert scores["balance"] == pytest.approx(1.0) and scores["view_stability"] == pytest.approx(1)
  collapsed = np.tile([0.997, 0.001, 0.001, 0.001], [400, 1])
  assert criteria._per_code([collapsed], [collapsed])["balance"] < 0.02  # pylint: disable=protected-access
  shuffled = sharp[np.random.RandomState(0).permutation(400)]
  assert criteria._per_code([sharp], [shuffled])["view_stability"] < 0.05  # pylint: disable=protected-access
  mixed = criteria._per_code([sharp, soft], [sharp, soft])  # pylint: disable=protected-access
  assert mixed["confident_share"] == 0.5  # the mean over the codes: 1 and 0


def test_ties_are_the_runs_within_the_noise_of_the_top():
  from infogan_tf import criteria  # pylint: disable=g-import-not-at-top
  scores = np.array([0.672, 0.663, 0.630, 0.676])
  # Noise 0.003 each: 0.676 - 0.672 = 0.004 < 2 * sqrt(2) * 0.003 = 0.0085; 0.013 is not.
  assert criteria.tied_with_top(scores, np.full(4, 0.003)) == [3, 0]
  assert criteria.tied_with_top(scores, np.full(4, 0.0001)) == [3]
  assert criteria.tied_with_top(scores, np.full(4, 0.05)) == [3, 0, 1, 2]


def test_select_scores_every_criterion_with_its_noise_names_ties_and_reads_no_label(
    tmp_path, trained_workdir, mirrored_workdir, monkeypatch):
  """Two identical runs tie on every criterion (named in one line, ranking kept); replacing the
  evaluation images' labels and factors with noise gives the same selection to the bit."""
  from infogan_tf import data as data_lib  # pylint: disable=g-import-not-at-top
  copy = tmp_path / "copy_of_seed0"
  shutil.copytree(trained_workdir, copy)
  workdirs = [trained_workdir, mirrored_workdir, str(copy)]
  result = selection.select(workdirs, num_images=400, log=lambda *_: None,
                            criterion="confident_share")
  assert set(result["scores"]) == set(result["noise"]) == set(selection.CRITERIA)
  for name in selection.CRITERIA:
    assert len(result["scores"][name]) == 3 and all(n >= 0 for n in result["noise"][name])
    if name != "centrality":  # (each run's generated images for the continuous part differ)
      assert result["scores"][name][0] == result["scores"][name][2]  # the copy: the same run
  assert result["criterion"] == "confident_share" and sorted(result["ranking"]) == sorted(workdirs)
  if result["pick"] in (trained_workdir, str(copy)):  # the twins: tied, both named
    assert {trained_workdir, str(copy)} <= set(result["tied"])
    assert result["tie"].startswith("tie: ") and str(copy) in result["tie"]
  assert any(line.startswith("tie: ") for line in selection.summary_lines(result)) == (
      len(result["tied"]) > 1)
  table = selection.score_table(result)
  assert len(table) == 4 and "<- pick" in "".join(table)

  original = data_lib.eval_batches
  def noisy_labels(*args, **kwargs):
    rs = np.random.RandomState(1)
    for batch in original(*args, **kwargs):
      yield {**batch,
             "label": tf.constant(rs.randint(0, 10, batch["label"].shape), batch["label"].dtype),
             "factors": tf.constant(rs.normal(size=batch["factors"].shape),
                                    batch["factors"].dtype)}
  monkeypatch.setattr(data_lib, "eval_batches", noisy_labels)
  again = selection.select(workdirs, num_images=400, log=lambda *_: None,
                           criterion="confident_share")
  assert json.dumps(again) == json.dumps(result)
