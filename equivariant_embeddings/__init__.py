"""3D-rotation-equivariant image embeddings (Esteves et al., ICML 2019) in JAX/Flax."""
