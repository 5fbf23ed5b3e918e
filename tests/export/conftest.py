"""Fixtures: a tiny trained workdir and its export (built once per test session)."""

import pytest

from infogan_tf.serving import exporter
from tests import helpers


@pytest.fixture(scope="session")
def trained_workdir(tmp_path_factory):
  return helpers.train_tiny_workdir(str(tmp_path_factory.mktemp("workdir")))


@pytest.fixture(scope="session")
def exported(trained_workdir, tmp_path_factory):
  export_dir = str(tmp_path_factory.mktemp("models"))
  return exporter.export_workdir(trained_workdir, export_dir)
