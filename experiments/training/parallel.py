"""Data parallelism with jax.sharding: one mesh axis over every device, the batch split along it."""

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

BATCH_AXIS = "batch"


def batch_mesh() -> Mesh:
  """A 1D mesh over all devices of all processes, axis name `BATCH_AXIS`."""
  return Mesh(np.asarray(jax.devices()), (BATCH_AXIS,))


def replicated(mesh: Mesh) -> NamedSharding:
  """The sharding of parameters and optimizer state: a full copy on every device."""
  return NamedSharding(mesh, PartitionSpec())


def batch_sharded(mesh: Mesh) -> NamedSharding:
  """The sharding of a batch: leading axis split over the devices, other axes whole."""
  return NamedSharding(mesh, PartitionSpec(BATCH_AXIS))


def local_batch_size(global_batch_size: int, mesh: Mesh) -> int:
  """Examples this process loads per step; checks the global batch divides over devices/processes."""
  devices, processes = mesh.devices.size, jax.process_count()
  if global_batch_size < 1 or global_batch_size % devices:
    raise ValueError(f"the global batch size ({global_batch_size}) must be a positive multiple of "
                     f"the number of devices ({devices})")
  return global_batch_size // processes


def to_global(local_batch: dict, mesh: Mesh) -> dict:
  """Numpy arrays (local batch, ...) of this process -> global jax arrays sharded along the batch."""
  sharding = batch_sharded(mesh)
  return {key: jax.make_array_from_process_local_data(sharding, np.asarray(value))
          for key, value in local_batch.items()}
