"""Writes a PNG sheet to check the data at a glance: rendered views beside their spherical maps.

  python -m experiments.data_sheet --output=data_sheet.png
  python -m experiments.data_sheet --mesh_dir=../shared/data/modelnet10 --output=modelnet_sheet.png

One row per mesh; for each rotation mode (3dof, 2dof) the view of the rotated mesh (64 × 64) and its
spherical map (ray length, equirectangular: colatitude 0..180° down, longitude 0..360° across; misses
at the maximum, 2). Without --mesh_dir the meshes are synthetic shapes (one per category); with it,
the first test mesh of each class of a ModelNet-layout directory.
"""

import os

import matplotlib
import numpy as np
from absl import app, flags

import data_pipelines as dp

matplotlib.use("Agg")  # no display needed
from matplotlib import pyplot as plt  # noqa: E402  (after choosing the backend)

_OUTPUT = flags.DEFINE_string("output", "data_sheet.png", "PNG file to write.")
_MESH_DIR = flags.DEFINE_string("mesh_dir", None, "ModelNet-layout directory; default: synthetic.")
_MESHES = flags.DEFINE_integer("meshes", 6, "Rows (meshes) in the sheet.")
_BANDWIDTH = flags.DEFINE_integer("bandwidth", 32, "Spherical map bandwidth b (2b × 2b grid).")
_IMAGE_SIZE = flags.DEFINE_integer("image_size", 64, "Rendered view size in pixels.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the rotations.")
_UP_AXIS = flags.DEFINE_enum("up_axis", "z", ["x", "y", "z"], "The meshes' up axis for 2dof.")


def sheet_meshes(mesh_dir, count):
  """[(name, normalised mesh)]: synthetic shapes, or the first test mesh of each class."""
  if mesh_dir is None:
    return [(f"synthetic {c}", dp.normalize_mesh(dp.synthetic_shape(c, 0)))
            for c in dp.SYNTHETIC_CATEGORIES[:count]]
  meshes = []
  for name in sorted(os.listdir(mesh_dir))[:count]:
    folder = os.path.join(mesh_dir, name, "test")
    if os.path.isdir(folder):
      first = sorted(f for f in os.listdir(folder) if f.endswith(".off"))[0]
      meshes.append((f"{name}/{first}", dp.normalize_mesh(dp.load_mesh(os.path.join(folder,
                                                                                    first)))))
  return meshes


def draw_sheet(meshes, bandwidth, image_size, up_axis, seed):
  """The sheet as a matplotlib Figure (rows: meshes; columns: view and map for each mode)."""
  modes = dp.ROTATION_MODES
  figure, axes = plt.subplots(len(meshes), 2 * len(modes), squeeze=False,
                              figsize=(3.2 * 2 * len(modes), 2.2 * len(meshes)),
                              gridspec_kw={"width_ratios": [1, 2] * len(modes)})
  rng = np.random.default_rng(seed)
  for row, (name, mesh) in enumerate(meshes):
    caster = dp.RayCaster(mesh)
    for column, mode in enumerate(modes):
      rotation = dp.random_rotation(rng, mode, up_axis)
      view_axis, map_axis = axes[row, 2 * column], axes[row, 2 * column + 1]
      view_axis.imshow(dp.render_view(caster, image_size, rotation=rotation)[..., 0], cmap="gray",
                       vmin=0, vmax=1)
      view_axis.set_axis_off()
      view_axis.set_title(f"{name}\n{mode} view", fontsize=7)
      image = map_axis.imshow(dp.spherical_map(caster, bandwidth, rotation=rotation)[..., 0],
                              cmap="viridis", vmin=0, vmax=dp.MISS_DISTANCE,
                              extent=(0, 360, 180, 0))
      map_axis.set_title(f"{mode} spherical map (ray length)", fontsize=7)
      map_axis.set_xticks([0, 90, 180, 270, 360])
      map_axis.set_yticks([0, 90, 180])
      map_axis.tick_params(labelsize=6)
  figure.colorbar(image, ax=axes, shrink=0.6, label="ray length (2 = miss)")
  return figure


def main(argv):
  del argv
  meshes = sheet_meshes(_MESH_DIR.value, _MESHES.value)
  if not meshes:
    raise app.UsageError(f"no meshes found in {_MESH_DIR.value}")
  figure = draw_sheet(meshes, _BANDWIDTH.value, _IMAGE_SIZE.value, _UP_AXIS.value, _SEED.value)
  figure.savefig(_OUTPUT.value, dpi=110)
  print(f"wrote {_OUTPUT.value} ({len(meshes)} meshes)")


if __name__ == "__main__":
  app.run(main)
