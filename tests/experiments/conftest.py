"""Shared fixtures: the tiny config with its dataset built once per session in a scratch directory."""

import pytest

from configs import spherical_cnn_tiny


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory):
  """A TFDS data_dir shared by the session's runs (the tiny synthetic dataset builds in ~2 s)."""
  return str(tmp_path_factory.mktemp("tfds"))


@pytest.fixture
def tiny_config(tiny_data_dir):
  """configs/spherical_cnn_tiny.py (4 steps, checkpoints at 2 and 4) reading tiny_data_dir."""
  config = spherical_cnn_tiny.get_config()
  config.data.data_dir = tiny_data_dir
  return config
