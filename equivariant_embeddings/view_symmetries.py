"""The object symmetries that act on a view and on a spherical map by a permutation of pixels.

The camera looks down −z from +z, image rows from +y to −y and columns from −x to +x
(docs/conventions.md, 'Meshes, spherical maps and views'). Two transformations g of the object then
move both its view and its spherical map by exact permutations:
- a quarter turn about the camera axis z (x → y): the view turns a quarter counter-clockwise
  (`jnp.rot90`) and the map rolls by a quarter of its longitudes (φ → φ + π/2);
- the mirror x → −x: the view flips left-right and the map's longitudes go φ → π − φ.

Geometry, silhouettes and maps are exact (checked by ray casting in the tests); only the shading
differs, because the lights stay fixed to the camera (0–8% of the object's mean intensity, mean
absolute difference, on the procedural shapes). The
embed stage uses them to augment its training pairs: E(g·view) should be g·E(view), and Φ of the
permuted map is the permuted target exactly, since Φ's layers commute with O(3) and these
permutations map the grid onto itself. The regression baseline uses the quarter turns, whose
rotation label is Rz(k·90°)·R.

A turn about z by any whole number of longitude steps, 2π/(2b), also maps the grid onto itself:
`turn_views_and_maps` rolls the maps exactly and turns the views by bilinear resampling (exact for
the silhouette up to interpolation), 2b pairs from every rendered one.
"""

import jax
import jax.numpy as jnp


def _select(candidates, index):
  """candidates (K, batch, ...) and index (batch,) int in [0, K): candidates[index[i], i]."""
  one_hot = jnp.arange(candidates.shape[0])[:, None] == index[None, :]
  shape = one_hot.shape + (1,) * (candidates.ndim - 2)
  return jnp.sum(jnp.where(one_hot.reshape(shape), candidates, 0), axis=0).astype(candidates.dtype)


def _check(images, maps, **per_image) -> None:
  """ValueError unless images are (batch, S, S, C), maps (if given) (batch, 2b, 2b, C') with 2b a
  multiple of 4, and each of `per_image` (name=array or None) is (batch,)."""
  if images.ndim != 4 or images.shape[1] != images.shape[2]:
    raise ValueError(f"images must be (batch, S, S, C); got shape {images.shape}")
  if maps is not None and (maps.ndim != 4 or maps.shape[1] != maps.shape[2]
                           or maps.shape[2] % 4 or maps.shape[0] != images.shape[0]):
    raise ValueError(f"maps must be (batch, 2b, 2b, C) with 2b a multiple of 4 (a quarter turn is "
                     f"a whole number of longitudes) and the images' batch {images.shape[0]}; got "
                     f"shape {maps.shape}")
  for name, value in per_image.items():
    if value is not None and value.shape != images.shape[:1]:
      raise ValueError(f"{name} must be ({images.shape[0]},), one per image; got {value.shape}")


def transform_views_and_maps(images, maps, quarter_turns, mirror=None):
  """(g·views, g·maps) for g = (quarter turns about z) ∘ (mirror x → −x where `mirror`).

  Args:
    images: (batch, S, S, C) views.
    maps: (batch, 2b, 2b, C') spherical maps of the same objects, 2b a multiple of 4; or None.
    quarter_turns: (batch,) integers, counter-clockwise quarter turns about z (taken mod 4).
    mirror: (batch,) booleans, mirror x → −x first; or None for no mirror.

  Returns:
    (images, maps) transformed, same shapes and dtypes (maps None if None was given).
  """
  images = jnp.asarray(images)
  maps = None if maps is None else jnp.asarray(maps)
  quarter_turns = jnp.asarray(quarter_turns) % 4
  mirror = None if mirror is None else jnp.asarray(mirror, bool)
  _check(images, maps, quarter_turns=quarter_turns, mirror=mirror)
  if mirror is not None:
    images = jnp.where(mirror[:, None, None, None], jnp.flip(images, axis=2), images)
  images = _select(jnp.stack([jnp.rot90(images, k, axes=(1, 2)) for k in range(4)]),
                   quarter_turns)
  if maps is None:
    return images, None
  longitudes = maps.shape[2]
  if mirror is not None:
    reflected = (longitudes // 2 - jnp.arange(longitudes)) % longitudes  # φ → π − φ
    maps = jnp.where(mirror[:, None, None, None], maps[:, :, reflected], maps)
  maps = _select(jnp.stack([jnp.roll(maps, k * longitudes // 4, axis=2) for k in range(4)]),
                 quarter_turns)
  return images, maps


def quarter_turn_rotations(quarter_turns):
  """Rz(k·90°) (batch, 3, 3) float32 for quarter_turns (batch,): the rotation of the object whose
  view `transform_views_and_maps` turns k quarters."""
  k = jnp.asarray(quarter_turns) % 4
  cos = jnp.array([1.0, 0.0, -1.0, 0.0])[k]
  sin = jnp.array([0.0, 1.0, 0.0, -1.0])[k]
  zero, one = jnp.zeros_like(cos), jnp.ones_like(cos)
  return jnp.stack([jnp.stack([cos, -sin, zero], -1), jnp.stack([sin, cos, zero], -1),
                    jnp.stack([zero, zero, one], -1)], -2)


def turn_views(images, angles):
  """Views turned counter-clockwise about their centre by `angles`, bilinear, black outside.

  The view of the object turned by α about the camera axis z (x → y for α = π/2) is the view turned
  by α: exact for the silhouette, to interpolation at the pixels, while the shading is as if the
  fixed lights had turned too. At multiples of π/2 it equals `jnp.rot90` to float32 rounding.

  Args:
    images: (batch, S, S, C) views.
    angles: (batch,) radians.

  Returns:
    (batch, S, S, C) turned views, same dtype.
  """
  images, angles = jnp.asarray(images), jnp.asarray(angles, jnp.float32)
  _check(images, None, angles=angles)
  size = images.shape[1]
  centre = (size - 1) / 2
  rows, cols = jnp.meshgrid(jnp.arange(size, dtype=jnp.float32),
                            jnp.arange(size, dtype=jnp.float32), indexing="ij")
  x, y = cols - centre, centre - rows  # image axes: x right, y up

  def turn(image, angle):
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    # The output at p shows the input at R(−α)·p.
    source_rows = centre - (-sin * x + cos * y)
    source_cols = centre + (cos * x + sin * y)
    sample = lambda channel: jax.scipy.ndimage.map_coordinates(
        channel, [source_rows, source_cols], order=1, mode="constant", cval=0.0)
    return jnp.moveaxis(jax.vmap(sample, in_axes=-1)(image), 0, -1)

  return jax.vmap(turn)(images.astype(jnp.float32), angles).astype(images.dtype)


def turn_views_and_maps(images, maps, steps):
  """(g·views, g·maps) for g the turn by steps · 2π/(2b) about the camera axis z.

  A turn by a whole number of longitude steps moves the grid onto itself: the maps roll by `steps`
  longitudes exactly (φ → φ + steps · 2π/(2b)), and the views turn by the same angle (`turn_views`).
  With 2b longitudes, each view thus yields 2b training pairs at no rendering cost.

  Args:
    images: (batch, S, S, C) views.
    maps: (batch, 2b, 2b, C') spherical maps of the same objects.
    steps: (batch,) integers, counter-clockwise turns in longitude steps (taken mod 2b).

  Returns:
    (images, maps) turned, same shapes and dtypes.
  """
  images, maps, steps = jnp.asarray(images), jnp.asarray(maps), jnp.asarray(steps)
  if maps.ndim != 4 or maps.shape[0] != images.shape[0] or maps.shape[1] != maps.shape[2]:
    raise ValueError(f"maps must be (batch, 2b, 2b, C) with the images' batch {images.shape[0]}; "
                     f"got shape {maps.shape}")
  longitudes = maps.shape[2]
  steps = steps % longitudes
  turned = turn_views(images, steps * (2 * jnp.pi / longitudes))
  rolled = jax.vmap(lambda m, s: jnp.roll(m, s, axis=1))(maps, steps)
  return turned, rolled
