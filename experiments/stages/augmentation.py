"""Training pairs moved by random view symmetries (equivariant_embeddings.view_symmetries): the
`view_augmentation` field of the embed and regression configs."""

import jax

from equivariant_embeddings import view_symmetries

NO_AUGMENTATION = "none"
QUARTER_TURNS = "quarter_turns"  # about the camera axis; the only one with a rotation label
QUARTER_TURNS_AND_MIRROR = "quarter_turns_and_mirror"
IN_PLANE_TURNS = "in_plane_turns"  # about the camera axis by any whole number of longitude steps
EMBED_AUGMENTATIONS = (NO_AUGMENTATION, QUARTER_TURNS, QUARTER_TURNS_AND_MIRROR, IN_PLANE_TURNS)
REGRESSION_AUGMENTATIONS = (NO_AUGMENTATION, QUARTER_TURNS)


def from_config(config, allowed: tuple) -> str:
  """config.view_augmentation ("none" for workdirs older than the field), checked.

  Raises:
    ValueError: a value not in `allowed`, or quarter turns of 2DOF views (whose up axis must stay
      upright) or of maps whose 2b longitudes do not split in quarters (odd bandwidth).
  """
  name = config.get("view_augmentation", NO_AUGMENTATION)
  if name not in allowed:
    raise ValueError(f"config.view_augmentation must be one of {allowed}, got {name!r}")
  builder = config.data.builder
  if name != NO_AUGMENTATION:
    if builder.get("rotation_mode", "3dof") != "3dof":
      raise ValueError("config.view_augmentation needs 3DOF views: a turn of a 2DOF view about the "
                       "camera axis tilts its upright object")
    if builder.bandwidth % 2:
      raise ValueError(f"quarter turns need an even bandwidth (2b longitudes in quarters), got "
                       f"b = {builder.bandwidth}")
  return name


def augment_views_and_maps(images, spheres, rng, name: str):
  """(images (B, S, S, 1), spheres (B, 2b, 2b, C)) moved by random symmetries of `name`, one per
  example."""
  if name == NO_AUGMENTATION:
    return images, spheres
  if name == IN_PLANE_TURNS:
    steps = jax.random.randint(rng, images.shape[:1], 0, spheres.shape[2])
    return view_symmetries.turn_views_and_maps(images, spheres, steps)
  turns_rng, mirror_rng = jax.random.split(rng)
  turns = jax.random.randint(turns_rng, images.shape[:1], 0, 4)
  mirror = (jax.random.bernoulli(mirror_rng, 0.5, images.shape[:1])
            if name == QUARTER_TURNS_AND_MIRROR else None)
  return view_symmetries.transform_views_and_maps(images, spheres, turns, mirror)
