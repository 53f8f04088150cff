"""Every config builds its stage's model, and every field carries a comment."""

import glob
import importlib
import os
import re

import jax
import pytest

from experiments.stages import registry
from experiments.training import chain as pipeline_lib

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "configs")
# Config files define get_config; helpers beside them (configs/tiny.py) do not.
CONFIG_FILES = sorted(p for p in glob.glob(os.path.join(CONFIG_DIR, "*.py"))
                      if "def get_config(" in open(p).read())


def test_configs_are_found():
  names = {os.path.basename(p) for p in CONFIG_FILES}
  assert {"spherical_cnn.py", "spherical_cnn_synthetic.py", "spherical_cnn_tiny.py", "embed.py",
          "embed_synthetic.py", "embed_tiny.py", "regression.py", "regression_tiny.py",
          "synth.py", "synth_tiny.py"} <= names


@pytest.mark.parametrize("path", CONFIG_FILES, ids=os.path.basename)
def test_every_field_is_commented(path):
  with open(path) as f:
    assignments = [line for line in f if re.match(r"\s*config(\.\w+)+ = ", line)]
  assert assignments
  uncommented = [line.strip() for line in assignments if "  # " not in line]
  assert not uncommented, f"fields without a comment in {path}: {uncommented}"


STAGE_CONFIG_FILES = [p for p in CONFIG_FILES if not os.path.basename(p).startswith("pipeline")]


@pytest.mark.parametrize("path", STAGE_CONFIG_FILES, ids=os.path.basename)
def test_config_builds_its_model(path):
  module = importlib.import_module(f"configs.{os.path.basename(path)[:-3]}")
  check_builds_its_model(module.get_config())


@pytest.mark.parametrize("name,argument", [("pipeline", "synthetic"), ("pipeline", "modelnet"),
                                           ("pipeline", "shapenet"), ("pipeline_tiny", None)])
def test_pipeline_config_builds_every_stage(name, argument, tmp_path):
  module = importlib.import_module(f"configs.{name}")
  config = module.get_config(argument) if argument else module.get_config()
  configs = pipeline_lib.stage_configs(config, str(tmp_path))
  assert set(configs) == set(pipeline_lib.TRAINED)
  for stage_config, _ in configs.values():
    assert stage_config.data.to_dict() == config.data.to_dict()  # one dataset for the chain
    check_builds_its_model(stage_config)
  phi, _ = configs["spherical_cnn"]
  categories = config.data.builder.get("categories")
  assert phi.num_classes == (len(categories) if categories else 8)
  assert configs["embed"][0].phi_workdir == configs["spherical_cnn"][1]
  assert configs["synth"][0].embed_workdir == configs["embed"][1]


def check_builds_its_model(config):
  stage = registry.make_stage(config)
  variables = jax.eval_shape(stage.init_variables, jax.random.PRNGKey(0))
  inputs = jax.ShapeDtypeStruct((2,) + stage.input_shape, "float32")
  if config.stage == "spherical_cnn":
    logits, features = jax.eval_shape(
        lambda v, x: stage.model.apply(v, x, train=False), variables, inputs)
    assert logits.shape == (2, config.num_classes)
    assert features
  elif config.stage == "synth":
    views = jax.eval_shape(lambda v, x: stage.features(v, x), variables, inputs)
    assert views.shape == (2, stage.image_size, stage.image_size, 1)
  elif config.stage == "regression":
    rotation = jax.eval_shape(lambda v, x: stage.features(v, x), variables, inputs)
    assert rotation.shape == (2, 3, 3)
  else:
    # E's output grid and channels are those of Φ's target layer (shape inference on config.phi).
    phi = registry.make_stage(config.phi)
    phi_variables = jax.eval_shape(phi.init_variables, jax.random.PRNGKey(0))
    target = jax.eval_shape(lambda v, x: phi.features(v, x, config.target_layer), phi_variables,
                            jax.ShapeDtypeStruct((2,) + phi.input_shape, "float32"))
    embedding = jax.eval_shape(lambda v, x: stage.features(v, x, "embedding"), variables, inputs)
    assert embedding.shape == target.shape


def test_embed_config_sizes():
  from configs import embed  # pylint: disable=g-import-not-at-top
  count = lambda arg: sum(x.size for x in jax.tree.leaves(jax.eval_shape(
      registry.make_stage(embed.get_config(arg)).init_variables, jax.random.PRNGKey(0))["params"]))
  assert 14e6 < count("paper,encoder_decoder") < 18e6  # the authors' network: about 17M
  assert count("laptop,encoder_decoder") < 1e6
  assert 10e6 < count("paper") < 14e6  # the lifted E, the default: 11.9M
  assert count("laptop") < 1e6  # 0.69M
  with pytest.raises(ValueError, match="size must be one of"):
    embed.get_config("huge")
  with pytest.raises(ValueError, match="architecture must be one of"):
    embed.get_config("laptop,transformer")
