"""Fixtures: the export of the run's tiny trained workdir (tests/conftest.py), once per worker."""

import pytest

from infogan_tf.serving import exporter


@pytest.fixture(scope="session")
def exported(trained_workdir, tmp_path_factory):
  export_dir = str(tmp_path_factory.mktemp("models"))
  return exporter.export_workdir(trained_workdir, export_dir)
