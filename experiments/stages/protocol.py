"""The contract between a stage and the code that trains it or runs it (`typing.Protocol`s).

Inference code (experiments.export, the evaluation binaries) needs only `InferenceStage`: a model,
the shape of one input and named outputs (the model side, `<stage>_model.py`). The trainer
(training/loop.py) needs `TrainingStage`, which adds the data, the loss and any evaluation beyond the
per-example averages (the training side, `<stage>.py`). Neither side needs the other: a
trained model loads with no optimizer and no trainer.
"""

from typing import Any, Protocol

import flax.linen as nn
import jax


class InferenceStage(Protocol):
  """What a trained model offers.

  Attributes:
    model: the Flax module.
    input_shape: the shape of one model input without the batch axis, e.g. (64, 64, 4) spherical
      maps for the spherical CNN or (64, 64, 1) views for the embedding network.
    feature_names: the names `features` accepts, e.g. ("block_0", ..., "block_4") or
      ("embedding",).
    depends_on: the trained stage it reads (`dependencies.Dependency`), or None.
  """
  model: nn.Module
  input_shape: tuple
  feature_names: tuple
  depends_on: Any

  def init_variables(self, rng: jax.Array) -> dict:
    """The model's initial variables ({"params": ..., other collections})."""

  def features(self, variables: dict, x: jax.Array, layer: str) -> jax.Array:
    """The output `layer` (one of feature_names) for inputs x (batch, *input_shape), computed as
    in evaluation (inference batch norm, no dropout)."""


class TrainingStage(InferenceStage, Protocol):
  """What the trainer needs besides the model.

  Attributes:
    batch_keys: the example keys fed to the devices, e.g. ("sphere", "label").
  """
  batch_keys: tuple

  def prerequisites(self) -> list:
    """[(config, workdir)] of the stages to train first (the trainer resumes them, or skips those
    that are complete); [] for none."""

  def warm_start_variables(self) -> dict | None:
    """Variables to start training from instead of `init_variables` (e.g. another run's), read on
    the host and checked against the model's shapes (ValueError naming their source); None for a
    fresh start."""

  def open_datasets(self) -> dict:
    """{"train": source, "eval": source, and optionally "test": source}: random-access sources
    (`len`, `[i]`, `__getitems__`) of dicts holding at least batch_keys."""

  def per_example_losses(self, variables: dict, batch: dict, rng: jax.Array | None,
                         train: bool, step: jax.Array) -> tuple[jax.Array, dict, dict]:
    """(losses (batch,), {metric: (batch,)}, updated non-parameter collections when train, e.g.
    {"batch_stats": ...}); rng is None in evaluation; step (int32 scalar) is the optimizer steps
    done, for losses that change during training."""

  def evaluation_metrics(self, variables: dict) -> dict[str, Any]:
    """Metrics of the whole model beyond per-example averages (e.g. a pose error on fixed pairs),
    computed on the host at each evaluation; {} if none."""

  def evaluation_images(self, variables: dict) -> dict[str, Any]:
    """Optional (the trainer calls it where a stage has it): {name: image (H, W) or (H, W, C),
    floats in [0, 1] or uint8} showing the model on a few fixed validation examples, computed on
    the host at each evaluation and written to TensorBoard."""
