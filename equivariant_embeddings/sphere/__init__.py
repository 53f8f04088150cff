"""Spherical harmonics, Wigner matrices, rotations and SO(3) correlation in JAX (see
docs/conventions.md, 'Grid' to 'SO(3) correlation').

Conventions: Driscoll–Healy grid (..., 2b, 2b, C); coefficients (..., b, 2b−1, C) indexed [ℓ, m+b−1];
orthonormal complex harmonics with the Condon–Shortley phase; ZYZ Euler angles; (R·f)(x) = f(Rᵀx).
"""

from equivariant_embeddings.sphere.grid import area_weights
from equivariant_embeddings.sphere.grid import colatitudes
from equivariant_embeddings.sphere.grid import grid_points
from equivariant_embeddings.sphere.grid import longitudes
from equivariant_embeddings.sphere.grid import quadrature_weights
from equivariant_embeddings.sphere.rotate import rotate_coefficients
from equivariant_embeddings.sphere.rotate import rotate_spherical
from equivariant_embeddings.sphere.rotations import axis_angle_to_matrix
from equivariant_embeddings.sphere.rotations import euler_to_matrix
from equivariant_embeddings.sphere.rotations import matrix_to_axis_angle
from equivariant_embeddings.sphere.rotations import matrix_to_euler
from equivariant_embeddings.sphere.rotations import random_rotations
from equivariant_embeddings.sphere.rotations import rotation_angle_deg
from equivariant_embeddings.sphere.sht import band_limit
from equivariant_embeddings.sphere.sht import forward_sht
from equivariant_embeddings.sphere.sht import inverse_sht
from equivariant_embeddings.sphere.so3 import best_rotation
from equivariant_embeddings.sphere.so3 import so3_correlation
from equivariant_embeddings.sphere.so3 import top_rotations
from equivariant_embeddings.sphere.wigner import wigner_D
from equivariant_embeddings.sphere.wigner import wigner_d
from equivariant_embeddings.sphere.wigner import wigner_delta
