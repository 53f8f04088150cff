"""An independent ray-triangle intersector (Möller–Trumbore over all pairs), for tests only."""

import numpy as np


def brute_force_first_hit(vertices, faces, origins, directions) -> np.ndarray:
  """Distance to the first hit of each ray, inf for a miss; origins, directions (N, 3)."""
  a, b, c = (np.asarray(vertices, np.float64)[np.asarray(faces)[:, i]] for i in range(3))
  edge1, edge2 = b - a, c - a
  distances = np.full(len(origins), np.inf)
  for n, (origin, direction) in enumerate(zip(origins, directions)):
    p = np.cross(direction, edge2)
    det = np.sum(edge1 * p, axis=1)
    valid = np.abs(det) > 1e-12
    inv_det = np.where(valid, 1.0 / np.where(valid, det, 1.0), 0.0)
    s = origin - a
    u = np.sum(s * p, axis=1) * inv_det
    q = np.cross(s, edge1)
    v = (q @ direction) * inv_det
    t = np.sum(edge2 * q, axis=1) * inv_det
    hit = valid & (u >= 0) & (v >= 0) & (u + v <= 1) & (t >= 0)
    if hit.any():
      distances[n] = t[hit].min()
  return distances
