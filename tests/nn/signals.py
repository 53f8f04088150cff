"""Band-limited test signals and error measures shared by the nn tests."""

import numpy as np

from equivariant_embeddings import sphere
from tests.sphere import reference


def band_limited(rng, b, channels, batch=(), degrees=None, decay=0.0, dtype=np.float32):
  """Random real functions with degrees ℓ < `degrees` (default b) on the 2b × 2b grid.

  Coefficients have standard deviation (1 + ℓ)^−decay, so decay > 0 gives smooth, image-like maps.

  Returns:
    Array (*batch, 2b, 2b, channels) of `dtype`.
  """
  degrees = degrees or b
  coeffs = np.stack([reference.real_coefficients(rng, b, channels)
                     for _ in range(int(np.prod(batch)))])
  envelope = (1.0 + np.arange(b)) ** -decay * (np.arange(b) < degrees)
  coeffs = coeffs * envelope[:, None, None]
  complex_dtype = np.complex128 if dtype == np.float64 else np.complex64
  x = np.asarray(sphere.inverse_sht(coeffs.astype(complex_dtype)))
  return x.reshape(*batch, 2 * b, 2 * b, channels).astype(dtype)


def relative_error(actual, expected) -> float:
  """‖actual − expected‖ / ‖expected‖ over all entries (real or complex, in double precision)."""
  actual, expected = np.asarray(actual).astype(complex), np.asarray(expected).astype(complex)
  return float(np.linalg.norm(actual - expected) / np.linalg.norm(expected))
