"""Shared fixtures: the tiny config with its dataset built once per session in a scratch directory."""

import os

import jax
import pytest
from jax.experimental.compilation_cache import compilation_cache

from configs import spherical_cnn_tiny
from experiments.training import loop as train_lib


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


@pytest.fixture(scope="package")
def trained(tmp_path_factory, tiny_data_dir, jax_compilation_cache):
  """(config, workdir) of a finished tiny run, shared by the tests that read a trained workdir."""
  del jax_compilation_cache  # requested so that the run compiles into the package's cache
  config = spherical_cnn_tiny.get_config()
  config.data.data_dir = tiny_data_dir
  workdir = str(tmp_path_factory.mktemp("trained"))
  train_lib.train_and_evaluate(config, workdir)
  return config, workdir


@pytest.fixture(scope="package", autouse=True)
def jax_compilation_cache(tmp_path_factory):
  """Recompiling the same train/eval steps dominates these tests' time (each run builds fresh jitted
  functions); JAX's persistent cache lets later runs in the package reuse the first compilation.
  Yields the options, for subprocesses (as JAX_... environment variables)."""
  options = {"jax_compilation_cache_dir": str(tmp_path_factory.mktemp("jax_cache")),
             "jax_persistent_cache_min_compile_time_secs": 0.0,
             "jax_persistent_cache_min_entry_size_bytes": 0}
  previous = {name: getattr(jax.config, name) for name in options}
  for name, value in options.items():
    jax.config.update(name, value)
  compilation_cache.reset_cache()  # JAX decides once whether to use the cache; decide again
  yield options
  for name, value in previous.items():
    jax.config.update(name, value)
  compilation_cache.reset_cache()


@pytest.fixture(scope="package")
def binary_env(jax_compilation_cache):
  """A function of the number of CPU devices giving the environment for a binary run in a
  subprocess: the CPU platform and the package's compilation cache, for one device only.
  Multi-device CPU programs read back from JAX's persistent cache deadlock (jax 0.10.2: the 8 device
  threads wait at different collectives until XLA aborts after 40 s), so those always compile."""
  def env(num_devices=1):
    variables = dict(os.environ, JAX_PLATFORMS="cpu")
    if num_devices == 1:
      variables.update({name.upper(): str(value) for name, value in jax_compilation_cache.items()})
    else:
      variables["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={num_devices}"
    return variables
  return env
