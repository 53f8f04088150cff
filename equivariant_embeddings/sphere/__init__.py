"""Spherical harmonics, Wigner matrices, rotations and SO(3) correlation in JAX (DESIGN.md §3)."""

from equivariant_embeddings.sphere.grid import area_weights
from equivariant_embeddings.sphere.grid import colatitudes
from equivariant_embeddings.sphere.grid import longitudes
from equivariant_embeddings.sphere.grid import quadrature_weights
from equivariant_embeddings.sphere.sht import forward_sht
from equivariant_embeddings.sphere.sht import inverse_sht
