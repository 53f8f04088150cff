"""Feature maps of a trained model, rebuilt from its workdir alone (config.json + checkpoints/).

  extract = load_feature_extractor("/tmp/scnn", "block_3")
  targets = extract(spheres)  # (batch, 2b, 2b, C) -> (batch, 2b_k, 2b_k, C_k)

The next stage (the embedding network) trains against these maps of the frozen spherical CNN Φ.
"""

import jax
import numpy as np

from experiments import checkpoints
from experiments import config_io
from experiments import stages
from experiments import train_lib


def load_variables(workdir: str, step: int | None = None):
  """(stage, model variables) of the checkpoint at `step` (default: the latest) in `workdir`."""
  config = config_io.load_config(workdir)
  stage = stages.make_stage(config)
  tx, _ = train_lib.make_optimizer(config)
  target = train_lib.init_train_state(stage, tx, config.seed)
  manager = checkpoints.make_manager(workdir, config.keep_checkpoints, read_only=True)
  try:
    restored = checkpoints.restore(manager, target, step)
  finally:
    manager.close()
  if restored is None:
    raise ValueError(f"no checkpoint in {manager.directory}")
  state, _ = restored
  return stage, {"params": state.params, **state.model_state}


def load_feature_extractor(workdir: str, layer: str, step: int | None = None):
  """A jitted function returning the feature maps of block `layer` of the model trained in `workdir`.

  Args:
    workdir: a training workdir (written by experiments.train).
    layer: a feature name of the model, e.g. "block_3" (ValueError lists the valid ones).
    step: the checkpoint step (default: the latest).

  Returns:
    extract(x): x float32 (batch, 2b, 2b, C) as in the training data -> (batch, 2b_k, 2b_k, C_k),
    computed like in training (maps band-limited to degrees < b), batch norm in inference mode
    (running statistics). ValueError for a wrong shape, or NaN input outside jit (`extract` may
    also be called inside the caller's jitted code).
  """
  stage, variables = load_variables(workdir, step)
  input_shape = stage.input_shape
  _, features = jax.eval_shape(lambda v, x: stage.model.apply(v, x, train=False), variables,
                               jax.ShapeDtypeStruct((1,) + input_shape, np.float32))
  if layer not in features:
    raise ValueError(f"unknown layer {layer!r}; the model has {sorted(features)}")
  features_fn = jax.jit(stage.features, static_argnames="layer")

  def extract(x):
    if not hasattr(x, "shape") or x.ndim != 4 or tuple(x.shape[1:]) != input_shape:
      raise ValueError(f"expected spherical maps of shape (batch, {', '.join(map(str, input_shape))})"
                       f", got {getattr(x, 'shape', type(x))}")
    if not isinstance(x, jax.core.Tracer) and not np.isfinite(np.asarray(x)).all():
      raise ValueError("spherical maps contain NaN or inf values")
    return features_fn(variables, x, layer=layer)

  return extract
