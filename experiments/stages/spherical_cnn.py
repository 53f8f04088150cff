"""The spherical CNN stage, training side: classify shapes from spherical maps under random SO(3)
rotations (the model side: spherical_cnn_model.py)."""

import jax
import jax.numpy as jnp
import optax

from equivariant_embeddings import sphere
from experiments.stages import datasets
from experiments.stages.spherical_cnn_model import SphericalCNNModel


class SphericalCNNStage(SphericalCNNModel):
  """Cross-entropy classification of `sphere` (batch, 2b, 2b, C) maps into `label`s.

  Training maps are rotated on the device by a fresh uniformly random rotation per example and step
  (`config.augment_rotations`; exact for band-limited maps), which yields band-limited maps as the
  model expects (`SphericalCNNModel`). Evaluation maps keep the dataset's own random rotation
  (SO(3)/SO(3) with a "3dof" dataset).
  """

  batch_keys = ("sphere", "label")

  def __init__(self, config, workdir=None):
    super().__init__(config, workdir)
    # Off for configs saved before these fields existed (older workdirs still load).
    self.label_smoothing = config.get("label_smoothing", 0.0)
    self.mixup_alpha = config.get("mixup_alpha", 0.0)
    if self.mixup_alpha < 0 or not 0 <= self.label_smoothing < 1:
      raise ValueError(f"mixup_alpha must be >= 0 and label_smoothing in [0, 1); got "
                       f"{self.mixup_alpha} and {self.label_smoothing}")

  def open_split(self, split: str):
    """The configured dataset's `split` (a TFDS split expression), built on first use."""
    return datasets.open_split(self.config.data, split)

  def open_datasets(self) -> dict:
    """{"train", "eval", and "test" if configured: source}, checked against the config."""
    sources = datasets.open_roles(self.config.data, self.input_shape)
    for role, source in sources.items():
      if len(source.class_names) != self.config.num_classes:
        raise ValueError(f"config.num_classes = {self.config.num_classes} but the {role} split of "
                         f"{self.config.data.name} has {len(source.class_names)} classes "
                         f"{source.class_names}")
    return sources

  def prerequisites(self) -> list:
    return []  # the first stage

  def per_example_losses(self, variables, batch, rng, train: bool, step=None):
    """Cross-entropy and accuracy per example of batch {"sphere": (B, 2b, 2b, C), "label": (B,)}.

    In training the targets are smoothed (`config.label_smoothing`) and, with `config.mixup_alpha`,
    mixed with the rotated maps (`mixup`); accuracy always counts the example's own label.
    """
    del step  # the loss is the same at every step
    x = batch["sphere"]
    labels = jax.nn.one_hot(batch["label"], self.config.num_classes)
    if train:
      rotation_rng, dropout_rng, mixup_rng = jax.random.split(rng, 3)
      if self.config.augment_rotations:
        x = sphere.rotate_spherical(x, sphere.random_rotations(rotation_rng, x.shape[0]))
      else:
        x = sphere.band_limit(x)
      if self.label_smoothing:
        labels = optax.smooth_labels(labels, self.label_smoothing)
      if self.mixup_alpha:
        x, labels = mixup(mixup_rng, x, labels, self.mixup_alpha)
      (logits, _), new_model_state = self.model.apply(
          variables, x, train=True, mutable=["batch_stats"], rngs={"dropout": dropout_rng})
    else:
      logits, new_model_state = self.logits(variables, x), {}
    losses = optax.softmax_cross_entropy(logits, labels)
    correct = (jnp.argmax(logits, axis=-1) == batch["label"]).astype(jnp.float32)
    return losses, {"accuracy": correct}, new_model_state

  def warm_start_variables(self):
    return None  # always starts from init_variables

  def evaluation_metrics(self, variables) -> dict:
    del variables  # accuracy and loss are per-example averages already
    return {}


def mixup(rng, x, labels, alpha: float):
  """Mixup (Zhang et al. 2018): each example blended with another of the batch.

  Example i becomes λ_i x_i + (1 − λ_i) x_π(i), its target λ_i y_i + (1 − λ_i) y_π(i), with π a
  random permutation of the batch and λ_i ~ Beta(alpha, alpha) folded to [0.5, 1] so that the
  example's own shape dominates. Blending spherical maps is linear, so band-limited maps stay
  band-limited and the rotated inputs stay rotated.

  Args:
    rng: a PRNG key.
    x: (B, ...) inputs.
    labels: (B, K) target distributions.
    alpha: the Beta distribution's parameter (> 0).

  Returns:
    (mixed x (B, ...), mixed labels (B, K)).
  """
  lambda_rng, permutation_rng = jax.random.split(rng)
  weight = jax.random.beta(lambda_rng, alpha, alpha, (x.shape[0],))
  weight = jnp.maximum(weight, 1.0 - weight)
  partner = jax.random.permutation(permutation_rng, x.shape[0])

  def blend(a):
    w = weight.reshape((-1,) + (1,) * (a.ndim - 1))
    return w * a + (1.0 - w) * a[partner]

  return blend(x), blend(labels)
