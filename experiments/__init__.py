"""absl binaries and their libraries: training (train.py), feature export (export.py).

File I/O (checkpoints, metrics, plots, configs) lives here, never in `equivariant_embeddings`.
"""
