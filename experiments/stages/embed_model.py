"""The embedding network E for inference, and the Φ targets it regresses: the model side of the
embed stage (docs/conventions.md, 'Training stages').

E (`config.model.architecture`: `nn.EmbeddingNet` or `nn.LiftedEmbeddingNet`) maps a view to a
spherical embedding (2b_k, 2b_k, C_k) that predicts Φ_k(map): the feature maps of block k
(`config.target_layer`) of a trained spherical CNN Φ, normalised per channel. E's workdir keeps
`targets.json`: which Φ workdir, step and layer it regresses, the target grid and channels, and the
per-channel mean and standard deviation that normalise the targets.
"""

import functools
import json
import os

import jax
import jax.numpy as jnp

from equivariant_embeddings import nn as nets
from experiments.stages import dependencies
from experiments.stages.spherical_cnn_model import SphericalCNNModel

TARGETS_FILE = "targets.json"
PHI_SUBDIR = "spherical_cnn"
EMBEDDING = "embedding"
# config.model.architecture → E's Flax module; workdirs older than the field hold "encoder_decoder".
ARCHITECTURES = {"lifted": nets.LiftedEmbeddingNet, "encoder_decoder": nets.EmbeddingNet}


def phi_workdir(config, workdir: str | None) -> str:
  """The Φ workdir of an embed config: config.phi_workdir, else <workdir>/spherical_cnn."""
  return dependencies.dependency_workdir(config, "phi_workdir", workdir, PHI_SUBDIR, "Φ")


def embedding_network(model_config, grid_size: int, channels: int):
  """E's Flax module for config.model: its `architecture` (ARCHITECTURES) and that module's fields.

  Raises:
    ValueError: an unknown architecture, or a field that the architecture does not have.
  """
  fields = dict(model_config.to_dict() if hasattr(model_config, "to_dict") else model_config)
  architecture = fields.pop("architecture", "encoder_decoder")
  if architecture not in ARCHITECTURES:
    raise ValueError(f"config.model.architecture must be one of {tuple(ARCHITECTURES)}, got "
                     f"{architecture!r}")
  module = ARCHITECTURES[architecture]
  unknown = sorted(set(fields) - set(module.__dataclass_fields__) - {"parent", "name"})
  if unknown:
    raise ValueError(f"config.model has fields {unknown} that the {architecture!r} E "
                     f"({module.__name__}) does not take")
  fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
  return module(grid_size=grid_size, channels=channels, **fields)


class EmbedModel:
  """E on views `image` (batch, S, S, 1), and Φ's normalised targets once Φ is loaded.

  The model needs the target grid and channels, which come from E's targets.json when it exists,
  else from Φ's config (its workdir's config.json, or config.phi) by shape inference; the model is
  therefore usable for inference from E's workdir alone. `targets` needs Φ: `load_inputs` (what
  `stages.trained.load_trained(..., with_inputs=True)` calls) or `use_phi`.
  """

  feature_names = (EMBEDDING,)
  depends_on = dependencies.Dependency("phi_workdir", "phi", PHI_SUBDIR)

  def __init__(self, config, workdir: str | None = None):
    self.config = config
    self.workdir = workdir
    size = config.data.builder.image_size
    self.input_shape = (size, size, 1)
    self._phi = None  # (Φ model, variables, its workdir, its step), once loaded
    self._targets = self._read_targets()
    if self._targets is not None:
      self.model_shape = tuple(self._targets["feature_shape"])
    else:
      phi_config, _ = dependencies.dependency_config(config, "phi_workdir", workdir, PHI_SUBDIR,
                                                     "Φ", config.phi)
      self.model_shape = self._phi_feature_shape(phi_config)
    grid_size, _, channels = self.model_shape
    self.model = embedding_network(config.model, grid_size, channels)
    if (config.model.get("quarter_turn_average", "never") != "never"
        and config.data.builder.get("rotation_mode", "3dof") == "2dof"):
      raise ValueError("config.model.quarter_turn_average needs 3DOF views: E never sees a 2DOF "
                       "(upright) view turned about the camera axis; set it to 'never'")

  def _read_targets(self):
    path = self.workdir and os.path.join(self.workdir, TARGETS_FILE)
    if not path or not os.path.exists(path):
      return None
    with open(path) as f:
      return json.load(f)

  def _phi_feature_shape(self, phi_config) -> tuple:
    phi = SphericalCNNModel(phi_config)
    if self.config.target_layer not in phi.feature_names:
      raise ValueError(f"config.target_layer {self.config.target_layer!r} is not a layer of Φ; "
                       f"expected one of {phi.feature_names}")
    variables = jax.eval_shape(phi.init_variables, jax.random.PRNGKey(0))
    shape = jax.eval_shape(
        functools.partial(phi.features, layer=self.config.target_layer), variables,
        jax.ShapeDtypeStruct((1,) + phi.input_shape, jnp.float32)).shape
    return tuple(shape[1:])

  def init_variables(self, rng):
    return self.model.init(rng, jnp.zeros((1,) + self.input_shape, jnp.float32), train=False)

  def features(self, variables, images, layer: str = EMBEDDING):
    """E's embedding (batch, 2b_k, 2b_k, C_k) of views (batch, S, S, 1), batch norm in inference
    mode."""
    if layer != EMBEDDING:
      raise ValueError(f"the embedding network has one output, {EMBEDDING!r}; got {layer!r}")
    return self.model.apply(variables, images, train=False)

  def load_inputs(self, load) -> None:
    """Loads Φ (the step recorded in targets.json, else its latest) for `targets`.

    load: `stages.trained.load_trained`, passed in so that models do not import their loader.
    """
    directory = phi_workdir(self.config, self.workdir)
    step = self._targets["phi_step"] if self._targets else None
    phi, variables, step = load(directory, step, kind="spherical_cnn")
    self.use_phi(phi, variables, os.path.abspath(directory), step)

  def use_phi(self, phi_stage, variables, directory: str = "", step: int = 0,
              normalisation=None) -> None:
    """Uses a given Φ (model and variables), e.g. a freshly initialised one in benchmarks.

    normalisation: optional (mean, std) per channel; by default that of targets.json, if any.
    """
    builder = self.config.data.builder
    if tuple(phi_stage.input_shape) != (2 * builder.bandwidth, 2 * builder.bandwidth,
                                        len(builder.channels)):
      raise ValueError(f"Φ {directory} reads maps of shape {phi_stage.input_shape}, but this "
                       f"config's dataset has bandwidth {builder.bandwidth} and channels "
                       f"{builder.channels}")
    self._phi = (phi_stage, jax.device_put(variables), directory, step)
    if normalisation is not None:
      mean, std = normalisation
      self._targets = {"phi_workdir": directory, "phi_step": step,
                       "layer": self.config.target_layer, "feature_shape": list(self.model_shape),
                       "mean": list(map(float, mean)), "std": list(map(float, std))}

  def raw_targets(self, spheres):
    """Φ_k of spherical maps (batch, 2b, 2b, C), before normalisation (once Φ is loaded)."""
    phi_stage, phi_variables, _, _ = self._phi
    return phi_stage.features(phi_variables, spheres, self.config.target_layer)

  def targets(self, spheres):
    """The normalised targets (batch, 2b_k, 2b_k, C_k) of spherical maps (batch, 2b, 2b, C): what E
    predicts, and what image-to-mesh alignment correlates E(image) with (once Φ is loaded)."""
    mean = jnp.asarray(self._targets["mean"], jnp.float32)
    std = jnp.asarray(self._targets["std"], jnp.float32)
    return (self.raw_targets(spheres) - mean) / std
