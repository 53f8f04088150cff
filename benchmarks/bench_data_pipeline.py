"""Times the mesh data pipeline: per-mesh ray casting, a ModelNet10 build, and batch reading.

  python -m benchmarks.bench_data_pipeline [--mesh_dir ../shared/data/modelnet10] [--meshes 200]
      [--views 4] [--workers 0] [--skip_build]

1. Per core (one process): map (b = 32, ray length) plus view (64 × 64) per mesh, on the ModelNet10
   meshes with exactly 2,000 faces: ray casting alone (mesh in memory), and with reading and
   normalising the .off file.
2. Building the whole ModelNet10 subset with `--views` views per mesh (train and test), with all cores
   (`--workers 0`), into a temporary directory: wall time, meshes/s, examples, skipped files.
3. Reading the built train split with BatchIterator (batch 32): examples/s, against generating
   examples on the fly from meshes held in memory (the alternative to storing views).
"""

import argparse
import csv
import os
import platform
import tempfile
import time

import numpy as np
from absl import logging

import data_pipelines as dp


def meshes_with_faces(mesh_dir, faces, count):
  """Paths of up to `count` train meshes with exactly `faces` faces (from manifest.csv), spread
  over the classes."""
  with open(os.path.join(mesh_dir, "manifest.csv")) as f:
    rows = [r for r in csv.DictReader(f) if r["split"] == "train" and int(r["faces_kept"]) == faces]
  step = max(1, len(rows) // count)
  return [os.path.join(mesh_dir, r["class"], "train", r["file"]) for r in rows[::step]][:count]


def per_core_rates(paths, bandwidth, size):
  rng = np.random.default_rng(0)
  start = time.perf_counter()
  loaded = [dp.normalize_mesh(dp.load_mesh(p)) for p in paths]
  load_time = time.perf_counter() - start
  start = time.perf_counter()
  for mesh in loaded:
    caster = dp.RayCaster(mesh)
    rotation = dp.random_rotation(rng, "3dof")
    dp.spherical_map(caster, bandwidth, rotation=rotation)
    dp.render_view(caster, size, rotation=rotation)
  cast_time = time.perf_counter() - start
  return len(paths) / cast_time, len(paths) / (cast_time + load_time), loaded


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--mesh_dir", default=os.path.join("..", "shared", "data", "modelnet10"))
  parser.add_argument("--meshes", type=int, default=200, help="meshes for the per-core rate")
  parser.add_argument("--views", type=int, default=4, help="views per mesh in the build")
  parser.add_argument("--workers", type=int, default=0, help="build processes (0: all cores)")
  parser.add_argument("--bandwidth", type=int, default=32)
  parser.add_argument("--image_size", type=int, default=64)
  parser.add_argument("--skip_build", action="store_true")
  args = parser.parse_args()
  if not os.path.isdir(args.mesh_dir):
    raise SystemExit(f"no ModelNet10 directory at {args.mesh_dir} (see ../shared/data/README.md)")
  print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")

  paths = meshes_with_faces(args.mesh_dir, 2000, args.meshes)
  cast_rate, total_rate, loaded = per_core_rates(paths, args.bandwidth, args.image_size)
  print(f"per core, {len(paths)} meshes of 2,000 faces, map b={args.bandwidth} + view "
        f"{args.image_size}x{args.image_size}: {cast_rate:.0f} meshes/s ray casting, "
        f"{total_rate:.0f} meshes/s including reading the .off")

  if args.skip_build:
    return
  logging.set_verbosity(logging.INFO)  # the builder logs progress (meshes/s, ETA) at INFO
  with tempfile.TemporaryDirectory() as data_dir:
    options = dict(bandwidth=args.bandwidth, image_size=args.image_size,
                   views_per_mesh=args.views, num_workers=args.workers or None)
    start = time.perf_counter()
    train = dp.load_dataset("modelnet", "train", data_dir=data_dir, mesh_dir=args.mesh_dir,
                            **options)
    build_time = time.perf_counter() - start
    report = train.info.metadata["skipped_meshes"]
    meshes = sum(r["meshes_found"] for r in report.values())
    examples = sum(split.num_examples for split in train.info.splits.values())
    skipped = sum(r["skipped"] for r in report.values())
    print(f"build ModelNet10 ({meshes} meshes, {args.views} views, {args.workers or os.cpu_count()} "
          f"workers): {build_time:.1f} s, {meshes / build_time:.1f} meshes/s, {examples} examples, "
          f"{skipped} skipped, {train.info.dataset_size}")

    iterator = dp.BatchIterator(train, 32, seed=0)
    next(iterator)
    batches = 50
    start = time.perf_counter()
    for _ in range(batches):
      next(iterator)
    read_rate = 32 * batches / (time.perf_counter() - start)
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for mesh in loaded:  # on the fly: a new rotation per example, mesh already in memory
      rotation = dp.random_rotation(rng, "3dof")
      dp.spherical_map(mesh, args.bandwidth, rotation=rotation)
      dp.render_view(mesh, args.image_size, rotation=rotation)
    fly_rate = len(loaded) / (time.perf_counter() - start)
    print(f"examples/s on one core: {read_rate:.0f} reading stored batches, {fly_rate:.0f} "
          f"generating on the fly (ray casting only, embree scene rebuilt per example)")


if __name__ == "__main__":
  main()
