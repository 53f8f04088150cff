"""Cross-domain 3D-rotation-equivariant image embeddings in JAX/Flax."""

import setuptools

setuptools.setup(
    name="equivariant_embeddings",
    version="0.1.0",
    description="3D-rotation-equivariant image embeddings (Esteves et al., ICML 2019) in JAX/Flax.",
    packages=setuptools.find_packages(include=[
        "equivariant_embeddings", "equivariant_embeddings.*",
        "data_pipelines", "data_pipelines.*",
        "experiments", "experiments.*",
        "configs", "configs.*",
    ]),
    python_requires=">=3.10",
    install_requires=[
        "jax>=0.4.30,<0.11",
        "jaxlib>=0.4.30,<0.11",
        "flax>=0.10,<0.13",
        "optax>=0.2.3,<0.3",
        "orbax-checkpoint>=0.11,<0.13",
        "ml_collections>=0.1.1,<2",
        "numpy>=1.26,<3",
        "scipy>=1.11,<2",
        "trimesh>=4.4,<6",
        "embreex>=2.17,<5",
        "tensorflow-datasets>=4.9.7,<5",
        "array_record>=0.5,<1",
        "absl-py>=2.1,<3",
        "matplotlib>=3.8,<4",
        "pillow>=10,<13",
        # TensorBoard event files; flax.metrics.tensorboard and clu.metric_writers import
        # tensorflow, tensorboardX does not.
        "tensorboardX>=2.6,<3",
    ],
    extras_require={
        # Independent references used only by the tests (exact Wigner values), property-based
        # tests of the input checks, and TensorBoard's own event reader (no tensorflow needed).
        "test": ["pytest>=8,<10", "sympy>=1.12,<2", "hypothesis>=6.100,<7", "tensorboard>=2.15,<3"],
        # Peer libraries timed by benchmarks/ only (grain: benchmarks/bench_loader.py); never
        # imported by the package.
        "bench": ["s2fft>=1.1,<2", "e3nn-jax>=0.20,<1", "grain>=0.2.18,<0.3"],
        # Cluster-scale dataset builds through TFDS's Beam support.
        "beam": ["apache-beam>=2.50,<3"],
    },
)
