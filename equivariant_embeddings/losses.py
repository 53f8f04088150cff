"""Losses on spherical maps (docs/conventions.md, 'Losses')."""

import jax.numpy as jnp
import optax

from equivariant_embeddings.sphere import grid


def area_weighted_huber(predictions, targets, delta: float = 1.0):
  """Huber loss per example, weighted by each grid row's area and averaged over the sphere.

  loss_i = mean_{j,k,c} w_j · huber_δ(p_ijkc − t_ijkc), with w_j ∝ sin θ_j normalised to mean 1
  (`sphere.area_weights`), so that the dense rows near the poles do not dominate;
  huber_δ(r) = r²/2 for |r| ≤ δ and δ(|r| − δ/2) beyond.

  Args:
    predictions, targets: real (batch, 2b, 2b, C) maps on the Driscoll–Healy grid, same shape.
    delta: the breakpoint δ > 0 between the quadratic and the linear part.

  Returns:
    (batch,) losses, in the dtype of the inputs.
  """
  if predictions.shape != targets.shape or predictions.ndim != 4:
    raise ValueError(f"predictions and targets must both be (batch, 2b, 2b, C); got "
                     f"{predictions.shape} and {targets.shape}")
  if predictions.shape[1] != predictions.shape[2] or predictions.shape[1] % 2:
    raise ValueError(f"maps must lie on a 2b × 2b grid; got shape {predictions.shape}")
  if not delta > 0:
    raise ValueError(f"delta must be > 0, got {delta}")
  predictions, targets = jnp.asarray(predictions), jnp.asarray(targets)
  weights = jnp.asarray(grid.area_weights(predictions.shape[1] // 2), predictions.dtype)
  losses = optax.huber_loss(predictions, targets, delta=delta)
  return jnp.mean(losses * weights[:, None, None], axis=(1, 2, 3))


def geodesic_loss(predicted, target):
  """The angle in radians between rotation matrices (..., 3, 3), per rotation: (...).

  2·arcsin(‖R̂ − R‖_F / 2√2) equals arccos((tr(Rᵀ R̂) − 1)/2) (docs/conventions.md, 'Pose errors')
  but keeps a finite gradient at R̂ = R, where arccos is not differentiable: the norm is smoothed by
  a tiny ε there.
  """
  predicted, target = jnp.asarray(predicted), jnp.asarray(target)
  if predicted.shape[-2:] != (3, 3) or target.shape[-2:] != (3, 3):
    raise ValueError(f"predicted and target must be rotation matrices (..., 3, 3); got "
                     f"{predicted.shape} and {target.shape}")
  squared = jnp.sum((predicted - target) ** 2, axis=(-2, -1))
  chord = jnp.sqrt(squared + 1e-12) / (2 * jnp.sqrt(2.0))
  return 2 * jnp.arcsin(jnp.clip(chord, 0.0, 1.0 - 1e-7))
