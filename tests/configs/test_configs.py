"""Every config builds its stage's model, and every field carries a comment."""

import glob
import importlib
import os
import re

import jax
import pytest

from experiments import stages

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "configs")
CONFIG_FILES = sorted(p for p in glob.glob(os.path.join(CONFIG_DIR, "*.py"))
                      if not p.endswith("__init__.py"))


def test_configs_are_found():
  names = {os.path.basename(p) for p in CONFIG_FILES}
  assert {"spherical_cnn.py", "spherical_cnn_synthetic.py", "spherical_cnn_tiny.py"} <= names


@pytest.mark.parametrize("path", CONFIG_FILES, ids=os.path.basename)
def test_every_field_is_commented(path):
  with open(path) as f:
    assignments = [line for line in f if re.match(r"\s*config(\.\w+)+ = ", line)]
  assert assignments
  uncommented = [line.strip() for line in assignments if "  # " not in line]
  assert not uncommented, f"fields without a comment in {path}: {uncommented}"


@pytest.mark.parametrize("path", CONFIG_FILES, ids=os.path.basename)
def test_config_builds_its_model(path):
  module = importlib.import_module(f"configs.{os.path.basename(path)[:-3]}")
  config = module.get_config()
  stage = stages.make_stage(config)
  variables = jax.eval_shape(stage.init_variables, jax.random.PRNGKey(0))
  logits, features = jax.eval_shape(
      lambda v, x: stage.model.apply(v, x, train=False), variables,
      jax.ShapeDtypeStruct((2,) + stage.input_shape, "float32"))
  assert logits.shape == (2, config.num_classes)
  assert features
