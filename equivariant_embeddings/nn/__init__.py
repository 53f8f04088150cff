"""Flax layers and models on the sphere (docs/conventions.md, 'Spherical CNN layers' and 'Models').

Spatial arrays are (..., 2b, 2b, C) on the Driscoll–Healy grid, spectral ones (..., b, 2b−1, C).
"""

from equivariant_embeddings.nn.activations import activation
from equivariant_embeddings.nn.batch_norm import SphericalBatchNorm
from equivariant_embeddings.nn.conv import SphericalConv
from equivariant_embeddings.nn.embedding import EmbeddingNet
from equivariant_embeddings.nn.embedding import ImageEncoder
from equivariant_embeddings.nn.embedding import SphericalDecoder
from equivariant_embeddings.nn.lifted_embedding import LiftedEmbeddingNet
from equivariant_embeddings.nn.pooling import area_pool
from equivariant_embeddings.nn.pooling import degree_norms
from equivariant_embeddings.nn.pooling import global_average
from equivariant_embeddings.nn.pooling import spectral_pool
from equivariant_embeddings.nn.pose_regression import PoseRegressor
from equivariant_embeddings.nn.residual import ResidualBlock
from equivariant_embeddings.nn.spectral import resize_coefficients
from equivariant_embeddings.nn.spherical_cnn import SphericalCNN
from equivariant_embeddings.nn.spherical_cnn import block_name
from equivariant_embeddings.nn.spherical_padding import spherical_pad
from equivariant_embeddings.nn.synthesis import SynthesisNet
