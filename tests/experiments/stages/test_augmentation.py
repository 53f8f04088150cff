"""The view_augmentation field of the embed and regression configs."""

import jax
import numpy as np
import pytest

from configs import embed_tiny
from experiments.stages import augmentation


def test_in_plane_turns_roll_each_map_by_its_own_step():
  rng = np.random.default_rng(0)
  images = rng.uniform(size=(6, 8, 8, 1)).astype(np.float32)
  maps = rng.normal(size=(6, 16, 16, 2)).astype(np.float32)
  turned, rolled = augmentation.augment_views_and_maps(images, maps, jax.random.PRNGKey(0),
                                                       augmentation.IN_PLANE_TURNS)
  assert turned.shape == images.shape and rolled.shape == maps.shape
  steps = []
  for original, moved in zip(maps, np.asarray(rolled)):
    matches = [k for k in range(16) if np.array_equal(np.roll(original, k, axis=1), moved)]
    assert len(matches) == 1
    steps.append(matches[0])
  assert len(set(steps)) > 1  # one random turn per example


@pytest.mark.parametrize("name", augmentation.EMBED_AUGMENTATIONS[1:])
def test_turns_need_3dof_views(name):
  config = embed_tiny.get_config()
  config.view_augmentation = name
  assert augmentation.from_config(config, augmentation.EMBED_AUGMENTATIONS) == name
  config.data.builder.rotation_mode = "2dof"
  with pytest.raises(ValueError, match="needs 3DOF views"):
    augmentation.from_config(config, augmentation.EMBED_AUGMENTATIONS)


def test_unknown_augmentation_is_named():
  config = embed_tiny.get_config()
  config.view_augmentation = "shear"
  with pytest.raises(ValueError, match="must be one of"):
    augmentation.from_config(config, augmentation.EMBED_AUGMENTATIONS)
