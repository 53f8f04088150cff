"""Random object rotations for dataset generation, in NumPy (docs/conventions.md, 'Rotations' and
'Meshes, spherical maps and views').

Dataset generation runs in worker processes that never import JAX, so rotations are drawn here from a
`numpy.random.Generator`. They follow the sphere core's conventions: matrices act on column vectors, a
mesh is rotated by v -> R v, and the camera looks from +z toward the origin with +y up in the image.
"""

import numpy as np
from scipy.spatial.transform import Rotation

ROTATION_MODES = ("3dof", "2dof")
UP_AXES = {"x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "z": (0.0, 0.0, 1.0)}


def random_rotation(rng: np.random.Generator, mode: str, up_axis: str = "z") -> np.ndarray:
  """Draws one object rotation.

  Args:
    rng: the random generator (the only source of randomness, so results follow from its seed).
    mode: "3dof", uniform (Haar) on SO(3); or "2dof", a uniformly random viewing direction with no
      roll: the camera on +z sees the object from a direction d uniform on the sphere, and the
      object's up axis points up (+y) in the image.
    up_axis: the dataset's up axis, "z" (ModelNet) or "y" (ShapeNet); used by "2dof" only.

  Returns:
    R, shape (3, 3) float64, orthogonal with det +1.
  """
  if mode == "3dof":
    return Rotation.random(random_state=rng).as_matrix()
  if mode != "2dof":
    raise ValueError(f"rotation mode must be one of {ROTATION_MODES}, got {mode!r}")
  if up_axis not in UP_AXES:
    raise ValueError(f"up_axis must be one of {sorted(UP_AXES)}, got {up_axis!r}")
  up = np.asarray(UP_AXES[up_axis])
  while True:
    view = rng.normal(size=3)  # an isotropic Gaussian gives a uniform direction once normalised
    view /= np.linalg.norm(view)
    up_in_image = up - (up @ view) * view
    norm = np.linalg.norm(up_in_image)
    if norm > 1e-6:  # looking exactly along the up axis leaves the roll undefined (measure zero)
      break
  up_in_image /= norm
  # Rows are the camera axes in object coordinates: R maps view -> +z and the up axis into the
  # (y, z) half-plane with positive y, so the object stands upright in the image.
  return np.stack([np.cross(up_in_image, view), up_in_image, view])
