"""Measures the equivariance error of spherical maps on real meshes (the figures the tests bound).

  python -m benchmarks.bench_data_equivariance [--mesh_dir ../shared/data/modelnet10] [--meshes 100]
      [--bandwidth 32]

For meshes spread over the ModelNet10 train split and one uniform random rotation R each, compares
map(R·M) with rotate_spherical(map(M), R) (see data_pipelines.equivariance for the definitions; all
errors relative to the map's area-weighted standard deviation), per channel, and prints the median,
90th percentile and maximum over meshes.
"""

import argparse
import glob
import os
import time

import numpy as np

import data_pipelines as dp
from data_pipelines.equivariance import equivariance_errors


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--mesh_dir", default=os.path.join("..", "shared", "data", "modelnet10"))
  parser.add_argument("--meshes", type=int, default=100)
  parser.add_argument("--bandwidth", type=int, default=32)
  args = parser.parse_args()
  files = sorted(glob.glob(os.path.join(args.mesh_dir, "*", "train", "*.off")))
  if not files:
    raise SystemExit(f"no ModelNet meshes under {args.mesh_dir} (see ../shared/data/README.md)")
  files = files[::max(1, len(files) // args.meshes)][:args.meshes]
  rng = np.random.default_rng(0)
  start = time.perf_counter()
  for channel in dp.SPHERE_CHANNELS:
    rows = []
    for path in files:
      mesh = dp.normalize_mesh(dp.load_mesh(path))
      errors = equivariance_errors(mesh, dp.random_rotation(rng, "3dof"), args.bandwidth,
                                   (channel,))
      errors["ratio_to_truncation"] = errors["rotated_band_limited"] / errors["truncation"]
      rows.append(errors)
    print(f"{channel}, b={args.bandwidth}, {len(files)} ModelNet10 meshes "
          f"({time.perf_counter() - start:.0f} s): median / p90 / max")
    for key in rows[0]:
      values = np.array([r[key] for r in rows])
      print(f"  {key:22s} {np.median(values):.3f} / {np.percentile(values, 90):.3f} / "
            f"{values.max():.3f}")


if __name__ == "__main__":
  main()
