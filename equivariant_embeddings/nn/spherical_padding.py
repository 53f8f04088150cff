"""Padding maps on the Driscoll–Healy grid with the sphere's own neighbours (for planar convolutions).

Longitude is periodic. Across a pole, the row j = −1 − i (colatitude −θ_i) at longitude φ is the
point at colatitude θ_i and longitude φ + π: the row on the other side of the pole, shifted by half
the longitudes. The same holds at the south pole (colatitude 2π − θ). Padding the colatitude axis
this way and then the longitude axis circularly gives every pixel of the padded map the sample of
the sphere at its (extended) grid angles.
"""

import jax.numpy as jnp


def spherical_pad(x, pad: int):
  """Pads maps by `pad` samples on each side of both grid axes with their spherical neighbours.

  Args:
    x: (batch..., 2b, 2b, C) maps (colatitude, longitude, channel); pad ≤ 2b.
    pad: samples added on each side (≥ 0).

  Returns:
    (batch..., 2b + 2·pad, 2b + 2·pad, C): rows −pad … 2b − 1 + pad, columns likewise.
  """
  if x.ndim < 3 or x.shape[-3] != x.shape[-2] or x.shape[-3] % 2:
    raise ValueError(f"spherical_pad expects maps (..., 2b, 2b, C) on the Driscoll–Healy grid; got "
                     f"shape {x.shape}")
  if pad < 0 or pad > x.shape[-3]:
    raise ValueError(f"pad must be in [0, 2b = {x.shape[-3]}], got {pad}")
  if pad == 0:
    return x
  half_turn = x.shape[-2] // 2
  north = jnp.roll(x[..., pad - 1::-1, :, :], half_turn, axis=-2)  # rows −1 … −pad, reversed
  south = jnp.roll(x[..., :-pad - 1:-1, :, :], half_turn, axis=-2)  # rows 2b … 2b − 1 + pad
  x = jnp.concatenate([north, x, south], axis=-3)
  return jnp.concatenate([x[..., -pad:, :], x, x[..., :pad, :]], axis=-2)
