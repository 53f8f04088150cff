"""Pointwise nonlinearities, chosen by name so that configs can hold them.

A pointwise function commutes with rotations of the grid only up to sampling: it creates degrees above
the bandwidth, which the next transform aliases. The equivariance tests measure that error.
"""

from typing import Callable

import flax.linen as nn

ACTIVATIONS: dict[str, Callable] = {
    "relu": nn.relu,
    "leaky_relu": nn.leaky_relu,  # slope 0.01 below zero
    "gelu": nn.gelu,
    "silu": nn.silu,
    "softplus": nn.softplus,
}


def activation(name: str) -> Callable:
  """The elementwise function called `name` (one of ACTIVATIONS); any shape in, same shape out."""
  if name not in ACTIVATIONS:
    raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
  return ACTIVATIONS[name]
