"""Procedural meshes: the bundled default dataset that needs no download.

Each category is an assembly of parametric parts (boxes, cylinders, cones) with proportions drawn from
a seeded generator. Every category has at least one off-centre part (a plane's tail fin, a mug's handle,
a table's drawer...), so no shape has a rotational symmetry and the relative pose of two views is
unique. Shapes stand in ModelNet's frame: z up, roughly unit size, front toward +x.
"""

import zlib

import numpy as np
import trimesh
from trimesh import creation

from equivariant_embeddings.sphere import checks

_SECTIONS = 24  # polygon sides of cylinders and cones


def _box(extents, center):
  return creation.box(extents=extents, transform=trimesh.transformations.translation_matrix(center))


def _cylinder(radius, height, center, axis="z"):
  """A cylinder along `axis` ("x", "y" or "z") centred at `center`."""
  rotate = {"x": trimesh.transformations.rotation_matrix(np.pi / 2, [0, 1, 0]),
            "y": trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]),
            "z": np.eye(4)}[axis]
  transform = trimesh.transformations.translation_matrix(center) @ rotate
  return creation.cylinder(radius=radius, height=height, sections=_SECTIONS, transform=transform)


def _cone(radius, height, base_center, direction):
  """A cone with its base disc at `base_center`, pointing along the unit vector `direction`."""
  transform = trimesh.geometry.align_vectors([0, 0, 1], direction)
  transform[:3, 3] = base_center
  return creation.cone(radius=radius, height=height, sections=_SECTIONS, transform=transform)


def _airplane(rng):
  length, radius = rng.uniform(1.6, 2.2), rng.uniform(0.08, 0.14)
  span, chord = rng.uniform(1.4, 2.2), rng.uniform(0.25, 0.45)
  wing_x = rng.uniform(-0.1, 0.25) * length
  fin_height, tail_span = rng.uniform(0.25, 0.45), rng.uniform(0.4, 0.7)
  tail_x = -0.5 * length + 0.1
  return [
      _cylinder(radius, length, [0, 0, 0], axis="x"),
      _cone(radius, rng.uniform(0.2, 0.4), [0.5 * length, 0, 0], [1, 0, 0]),
      _box([chord, span, 0.03], [wing_x, 0, -0.3 * radius]),
      _box([0.6 * chord, 0.03, fin_height], [tail_x, 0, radius + 0.5 * fin_height]),
      _box([0.4 * chord, tail_span, 0.02], [tail_x, 0, 0.5 * radius]),
  ]


def _car(rng):
  length, width, height = rng.uniform(1.6, 2.2), rng.uniform(0.7, 0.9), rng.uniform(0.3, 0.45)
  wheel = rng.uniform(0.14, 0.2)
  cabin_length, cabin_height = rng.uniform(0.4, 0.6) * length, rng.uniform(0.25, 0.4)
  cabin_x = -rng.uniform(0.12, 0.25) * length  # cabin set back: front and rear differ
  base = wheel
  parts = [
      _box([length, width, height], [0, 0, base + 0.5 * height]),
      _box([cabin_length, 0.9 * width, cabin_height],
           [cabin_x, 0, base + height + 0.5 * cabin_height]),
  ]
  axle_x = 0.5 * length - rng.uniform(0.25, 0.35)
  for x in (axle_x, -axle_x):
    for y in (0.5 * width, -0.5 * width):
      parts.append(_cylinder(wheel, 0.12, [x, y, wheel], axis="y"))
  return parts


def _chair(rng):
  seat_w, seat_d, seat_h = rng.uniform(0.8, 1.1), rng.uniform(0.8, 1.1), rng.uniform(0.8, 1.1)
  back_h, leg_r, thick = rng.uniform(0.7, 1.2), rng.uniform(0.04, 0.07), rng.uniform(0.06, 0.12)
  parts = [
      _box([seat_d, seat_w, thick], [0, 0, seat_h]),
      _box([thick, seat_w, back_h], [-0.5 * seat_d + 0.5 * thick, 0, seat_h + 0.5 * back_h]),
  ]
  for x in (0.5 * seat_d - leg_r, -0.5 * seat_d + leg_r):
    for y in (0.5 * seat_w - leg_r, -0.5 * seat_w + leg_r):
      parts.append(_cylinder(leg_r, seat_h, [x, y, 0.5 * seat_h]))
  return parts


def _lamp(rng):
  base_r, pole_h = rng.uniform(0.25, 0.4), rng.uniform(1.2, 1.8)
  arm, shade_r = rng.uniform(0.4, 0.8), rng.uniform(0.2, 0.35)
  return [
      _cylinder(base_r, 0.06, [0, 0, 0.03]),
      _cylinder(0.03, pole_h, [0, 0, 0.5 * pole_h]),
      _box([arm, 0.05, 0.05], [0.5 * arm, 0, pole_h]),
      _cone(shade_r, rng.uniform(0.25, 0.4), [arm, 0, pole_h - 0.3], [0, 0, 1]),
  ]


def _monitor(rng):
  width, height = rng.uniform(1.3, 1.9), rng.uniform(0.8, 1.2)
  stand_h, foot_d = rng.uniform(0.3, 0.5), rng.uniform(0.35, 0.6)
  return [
      _box([0.06, width, height], [0, 0, stand_h + 0.5 * height]),
      _box([0.12, 0.12, stand_h + 0.2], [-0.09, 0, 0.5 * (stand_h + 0.2)]),  # stand behind
      _box([foot_d, rng.uniform(0.4, 0.7), 0.04], [-0.09 + 0.1 * foot_d, 0, 0.02]),
  ]


def _mug(rng):
  radius, height = rng.uniform(0.35, 0.5), rng.uniform(0.7, 1.2)
  reach, grip = rng.uniform(0.2, 0.35), rng.uniform(0.4, 0.6) * height
  grip_z = rng.uniform(0.6, 0.7) * height  # handle above the middle: top and bottom differ
  bar, foot = 0.07, rng.uniform(0.05, 0.1)
  return [
      _cylinder(radius, height, [0, 0, 0.5 * height]),
      _cylinder(radius * rng.uniform(1.12, 1.2), foot, [0, 0, 0.5 * foot]),
      _box([reach, bar, bar], [radius + 0.5 * reach, 0, grip_z + 0.5 * grip]),
      _box([reach, bar, bar], [radius + 0.5 * reach, 0, grip_z - 0.5 * grip]),
      _box([bar, bar, grip + bar], [radius + reach, 0, grip_z]),
  ]


def _sofa(rng):
  length, depth, seat_h = rng.uniform(1.6, 2.4), rng.uniform(0.7, 1.0), rng.uniform(0.35, 0.5)
  back_h, arm_h, arm_w = rng.uniform(0.4, 0.7), rng.uniform(0.15, 0.3), rng.uniform(0.12, 0.25)
  back_t = rng.uniform(0.15, 0.25)
  return [
      _box([depth, length, seat_h], [0, 0, 0.5 * seat_h]),
      _box([back_t, length, back_h], [-0.5 * depth + 0.5 * back_t, 0, seat_h + 0.5 * back_h]),
      _box([depth, arm_w, arm_h], [0, 0.5 * length - 0.5 * arm_w, seat_h + 0.5 * arm_h]),
      _box([depth, arm_w, arm_h], [0, -0.5 * length + 0.5 * arm_w, seat_h + 0.5 * arm_h]),
  ]


def _table(rng):
  length, width, height = rng.uniform(1.4, 2.2), rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.1)
  top_t, leg = rng.uniform(0.05, 0.1), rng.uniform(0.05, 0.09)
  drawer_w, drawer_h = rng.uniform(0.3, 0.5) * width, rng.uniform(0.15, 0.25)
  shelf_z = rng.uniform(0.2, 0.35) * height
  parts = [_box([length, width, top_t], [0, 0, height - 0.5 * top_t])]
  for x in (0.5 * length - leg, -0.5 * length + leg):
    for y in (0.5 * width - leg, -0.5 * width + leg):
      parts.append(_box([leg, leg, height - top_t], [x, y, 0.5 * (height - top_t)]))
  # One drawer under one end of the top breaks the table's 180° symmetry.
  parts.append(_box([0.35 * length, drawer_w, drawer_h],
                    [0.25 * length, 0.5 * width - 0.5 * drawer_w - leg,
                     height - top_t - 0.5 * drawer_h]))
  # A low shelf under the other half: the top and bottom views differ at every seed.
  parts.append(_box([0.45 * length, width - 2 * leg, 0.04], [-0.25 * length, 0, shelf_z]))
  return parts


_CATEGORY_PARTS = {
    "airplane": _airplane, "car": _car, "chair": _chair, "lamp": _lamp,
    "monitor": _monitor, "mug": _mug, "sofa": _sofa, "table": _table,
}
# The categories of `synthetic_shape`, in label order.
SYNTHETIC_CATEGORIES = tuple(sorted(_CATEGORY_PARTS))


def synthetic_shape(category: str, seed: int) -> trimesh.Trimesh:
  """A procedural mesh of `category`, the same for the same (category, seed).

  Args:
    category: one of SYNTHETIC_CATEGORIES.
    seed: a non-negative integer; different seeds give different proportions.

  Returns:
    A trimesh.Trimesh (vertices (V, 3) float64, faces (F, 3)), z up, front toward +x, not normalised.
  """
  if category not in _CATEGORY_PARTS:
    raise ValueError(f"category must be one of {SYNTHETIC_CATEGORIES}, got {category!r}")
  seed = checks.integer(seed, "seed")
  # The category's name enters the seed, so equal seeds of two categories are independent draws.
  rng = np.random.default_rng([int(seed), zlib.crc32(category.encode())])
  return trimesh.util.concatenate(_CATEGORY_PARTS[category](rng))
