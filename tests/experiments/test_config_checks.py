"""train_and_evaluate with one bad config field: a ValueError that names the field (or the dataset,
split or layer it configures) and what was expected, before any training step.

Each case changes one field of configs/spherical_cnn_tiny.py. Configs written by hand may hold any
type (command-line overrides are type-checked by ml_collections), so the cases use a config that is
not type-safe. The tiny dataset is built once for the session (tiny_data_dir).
"""

import ml_collections
import pytest

from experiments.training import loop as train_lib

CASES = [  # (field, value, what the message must say)
    ("num_train_steps", 0, r"config\.num_train_steps must be a positive integer, got 0"),
    ("num_train_steps", 2.5, r"config\.num_train_steps must be a positive integer, got 2\.5"),
    ("num_train_steps", True, r"config\.num_train_steps must be a positive integer, got True"),
    ("batch_size", -8, r"config\.batch_size must be a positive integer, got -8"),
    ("eval_batch_size", "8", r"config\.eval_batch_size must be a positive integer, got '8'"),
    ("log_every_steps", 0, r"config\.log_every_steps must be a positive integer"),
    ("checkpoint_every_steps", None, r"config\.checkpoint_every_steps must be a positive integer"),
    ("keep_checkpoints", 0, r"config\.keep_checkpoints must be a positive integer"),
    ("eval_every_steps", -1, r"config\.eval_every_steps must be an integer >= 0"),
    ("seed", 1.5, r"config\.seed must be an integer >= 0, got 1\.5"),
    ("seed", -1, r"config\.seed must be an integer >= 0, got -1"),
    ("optimizer.learning_rate", -1e-3, r"optimizer\.learning_rate must be a finite number > 0"),
    ("optimizer.learning_rate", float("nan"), r"optimizer\.learning_rate must be a finite number"),
    ("optimizer.weight_decay", -0.1, r"optimizer\.weight_decay must be a finite number >= 0"),
    ("optimizer.grad_clip_norm", "1", r"optimizer\.grad_clip_norm must be a finite number >= 0"),
    ("model.dropout_rate", 1.0, r"model\.dropout_rate must be in \[0, 1\), got 1\.0"),
    ("stage", "pose", r"config\.stage must be one of \[.*'spherical_cnn'.*\], got 'pose'"),
    ("num_classes", 3, r"config\.num_classes = 3 but the train split of synthetic_shapes has 2"),
    ("label_smoothing", 1.0, r"label_smoothing in \[0, 1\); got .* and 1\.0"),
    ("mixup_alpha", -0.5, r"mixup_alpha must be >= 0 .* got -0\.5"),
    ("optimizer.schedule", "linear", r"optimizer\.schedule must be one of .* got 'linear'"),
    ("data.name", "imagenet", r"unknown dataset 'imagenet'; expected one of"),
    ("data.mesh_dir", "/meshes", r"synthetic_shapes generates its meshes; it takes no mesh_dir"),
    ("data.num_workers", -1, r"num_workers must be None or an integer >= 0 .* got -1"),
    ("data.train_split", "training", r"split 'training' of synthetic_shapes/.*Unknown split"),
    ("data.eval_split", "test[:0]", r"split 'test\[:0\]' of synthetic_shapes/.* selects no examples"),
    ("data.builder.bandwidth", 0, r"bandwidth must be an integer >= 1, got 0"),
    ("data.builder.image_size", 2.5, r"image_size must be an integer >= 1, got 2\.5"),
    ("data.builder.channels", ("depth",), r"channels must be a non-empty sequence of"),
    ("data.builder.rotation_mode", "6dof", r"rotation_mode must be one of .* got '6dof'"),
    ("data.builder.categories", ("dragon",), r"unknown synthetic categories \['dragon'\]"),
    ("model.block_features", (4,), r"block_features \(4,\) and block_pooling \(1, 2\) must be"),
    ("model.block_pooling", (1, 3), r"divisible by the product of block_pooling, 3"),
    ("model.block_features", (0, 8), r"block_0: features must be an integer >= 1, got 0"),
    ("model.pooling", "max", r"pooling mode must be one of \('spectral', 'area'\), got 'max'"),
    ("model.activation", "tanh", r"unknown activation 'tanh'; expected one of"),
    ("model.invariant", "max", r"invariant must be one of \['degree_norms', 'mean'\]"),
    ("model.num_anchors", 0, r"num_anchors must be an integer >= 1, got 0"),
    ("model.batch_norm_momentum", 1.5, r"momentum must be in \[0, 1\], got 1\.5"),
]


@pytest.fixture
def no_training(monkeypatch):
  """A config that passes every check fails loudly at the first step instead of training."""

  def refuse(*args, **kwargs):
    raise AssertionError("the bad config reached training")

  monkeypatch.setattr(train_lib, "make_train_step", refuse)


def _with_field(config, field, value):
  """A copy of config that is not type-safe, with the dotted field set to value."""
  config = ml_collections.ConfigDict(config.to_dict(), type_safe=False)
  *parents, name = field.split(".")
  node = config
  for parent in parents:
    node = node[parent]
  node[name] = value
  return config


@pytest.mark.parametrize("field,value,message", CASES,
                         ids=[f"{field}={value!r}" for field, value, _ in CASES])
def test_a_bad_field_stops_before_training(tiny_config, tmp_path, no_training, field, value,
                                           message):
  with pytest.raises(ValueError, match=message):
    train_lib.train_and_evaluate(_with_field(tiny_config, field, value), str(tmp_path))


def test_an_empty_validation_split_is_explained(tiny_config, tmp_path, no_training):
  # None of the tiny config's 8 training shapes hashes to validation. TFDS said only "Unknown split
  # 'validation'. Should be one of ['train', 'test']".
  config = _with_field(tiny_config, "data.eval_split", "validation")
  with pytest.raises(ValueError, match=r"split 'validation' of synthetic_shapes/.* is empty: .*"
                                       r"crc32\(mesh_id\) % 8 == 0.*none of its 8 training meshes"):
    train_lib.train_and_evaluate(config, str(tmp_path))
