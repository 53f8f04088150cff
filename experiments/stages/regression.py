"""The pose-regression baseline stage, training side: a view → the object's rotation (the paper's
Appendix B.1; the model side: regression_model.py).

E's image encoder and a dense head (`nn.PoseRegressor`) regress the rotation R that took the
category-aligned mesh to its pose in the view (the dataset's `rotation`), as an axis-angle vector.
The loss is the RMSE of that vector against the truth's for the first `config.rmse_steps` steps,
then the geodesic angle between the rotations (`losses.geodesic_loss`), as Mahendran et al. (2017)
trained theirs. Relative pose of two views is R̂_b R̂_aᵀ. This needs meshes aligned per category
(ModelNet's are): the canonical frame is what the network learns to see.

`config.init_from` names a regression workdir whose variables start this run (3DOF warm-started
from 2DOF, as in the paper).
"""

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings import losses
from equivariant_embeddings import sphere
from equivariant_embeddings import view_symmetries
from experiments.stages import apply
from experiments.stages import augmentation
from experiments.stages import datasets
from experiments.stages.regression_model import ROTATION
from experiments.stages.regression_model import RegressionModel
from experiments.workdir import checkpoints


class RegressionStage(RegressionModel):
  """RMSE, then geodesic, regression of `rotation` (batch, 3, 3) from `image` (batch, S, S, 1)."""

  batch_keys = ("image", "rotation")

  def __init__(self, config, workdir: str | None = None):
    super().__init__(config, workdir)
    self.augmentation = augmentation.from_config(config, augmentation.REGRESSION_AUGMENTATIONS)

  def prerequisites(self) -> list:
    return []

  def open_datasets(self) -> dict:
    builder = self.config.data.builder
    return datasets.open_roles(self.config.data, (2 * builder.bandwidth, 2 * builder.bandwidth,
                                                 len(builder.channels)))

  def warm_start_variables(self):
    """The variables of config.init_from's latest checkpoint, or None."""
    if not self.config.init_from:
      return None
    variables, _ = checkpoints.restore_variables(self.config.init_from)
    expected = jax.eval_shape(self.init_variables, jax.random.PRNGKey(0))
    if jax.tree.map(np.shape, variables) != jax.tree.map(lambda x: x.shape, expected):
      raise ValueError(f"config.init_from={self.config.init_from!r} holds a model of another "
                       "shape; it must be a regression workdir with the same config.model")
    return variables

  def per_example_losses(self, variables, batch, rng, train: bool, step=None):
    """The RMSE of the axis-angle vectors before config.rmse_steps, the geodesic angle (radians)
    after; metrics: the angle in degrees."""
    images, truth = batch["image"], batch[ROTATION]
    if train and self.augmentation == augmentation.QUARTER_TURNS:
      turns = jax.random.randint(rng, images.shape[:1], 0, 4)
      images, _ = view_symmetries.transform_views_and_maps(images, None, turns)
      truth = view_symmetries.quarter_turn_rotations(turns) @ truth
    (axis_angle, rotation), new_model_state = apply.apply_model(self.model, variables, images,
                                                                 train)
    rmse = jnp.sqrt(jnp.mean((axis_angle - sphere.matrix_to_axis_angle(truth)) ** 2, axis=-1))
    geodesic = losses.geodesic_loss(rotation, truth)
    step = 0 if step is None else step
    per_example = jnp.where(step < self.config.rmse_steps, rmse, geodesic)
    return per_example, {"angle_error_deg": jnp.degrees(geodesic)}, new_model_state

  def evaluation_metrics(self, variables) -> dict:
    del variables  # the angle error is a per-example average already
    return {}
