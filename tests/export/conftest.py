"""Fixtures: a tiny trained workdir and its export (built once per test session)."""

import io

import pytest

from export import exporter
from infogan_tf import training
from tests import helpers


@pytest.fixture(scope="session")
def trained_workdir(tmp_path_factory):
  workdir = str(tmp_path_factory.mktemp("workdir"))
  training.train(helpers.tiny_config(workdir, steps=4), stream=io.StringIO(),
                 strategy=helpers.one_device_strategy())
  return workdir


@pytest.fixture(scope="session")
def exported(trained_workdir, tmp_path_factory):
  export_dir = str(tmp_path_factory.mktemp("models"))
  return exporter.export_workdir(trained_workdir, export_dir)
