r"""The spherical CNN Φ on ModelNet10, SO(3)/SO(3): trained and tested under random 3D rotations.

  python -m experiments.train --config=configs/spherical_cnn.py --workdir=/tmp/scnn_modelnet10

Reads the meshes from ../shared/data/modelnet10 (official layout <class>/{train,test}/*.off; pass
--config.data.mesh_dir=DIR for another copy) and builds the TFDS dataset into data.data_dir on first
use (~1.5 min on 2 cores). The other spherical CNN configs start from this one.
"""

import os

import ml_collections

# ../shared/data relative to the repository root, whatever the working directory.
SHARED_DATA = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.stage = "spherical_cnn"  # experiments.stages name: shape classification from spherical maps
  config.seed = 0  # initialisation, shuffling and rotation augmentation all derive from it
  config.num_classes = 10  # must equal the dataset's class count (checked when the data is opened)
  config.multihost = False  # call jax.distributed.initialize() first (multi-host TPU/GPU)

  config.data = ml_collections.ConfigDict()  # which dataset, and how it is built
  config.data.name = "modelnet"  # data_pipelines.load_dataset name
  config.data.mesh_dir = os.path.join(SHARED_DATA, "modelnet10")  # meshes ("" if none are needed)
  config.data.data_dir = ""  # where TFDS builds and keeps the dataset ("": ~/tensorflow_datasets)
  config.data.num_workers = 0  # processes building the dataset (0: one per core)
  config.data.train_split = "train"  # split trained on ("train+validation" once choices are made)
  config.data.eval_split = "validation"  # evaluated every eval_every_steps: the split to tune on
  config.data.test_split = "test"  # evaluated once, after the last step ("": never)
  config.data.builder = ml_collections.ConfigDict()  # options of the TFDS builder config
  config.data.builder.variant = "modelnet10"  # class list: the 10 ModelNet10 classes
  config.data.builder.bandwidth = 32  # b: spherical maps are (2b, 2b, C) = (64, 64, C)
  config.data.builder.image_size = 64  # rendered views (unused by this stage; shared with later ones)
  config.data.builder.channels = (  # map channels: ray length, normal cosine; mesh, convex hull
      "distance", "normal_cosine", "hull_distance", "hull_normal_cosine")
  config.data.builder.rotation_mode = "3dof"  # stored examples are uniformly rotated (SO(3))
  config.data.builder.views_per_mesh = 8  # ray-cast rotations per mesh (true, not band-limited)
  config.data.builder.scale_range = (0.8, 1.25)  # anisotropic scaling per training view (None: off)
  config.data.builder.surface_dropout = 0.5  # share of training views without their largest faces
  config.augment_rotations = True  # plus a fresh random SO(3) rotation per example and step
  config.label_smoothing = 0.1  # cross-entropy against (1 - eps) one-hot + eps / num_classes
  config.mixup_alpha = 0.4  # mixup of training maps and targets, weights ~ Beta(a, a) (0: off)

  config.model = ml_collections.ConfigDict()  # SphericalCNN(num_classes=..., **config.model)
  config.model.block_features = (16, 32, 32, 64, 64)  # channels of each residual block (2 convs)
  config.model.block_pooling = (1, 2, 2, 1, 2)  # 64x64 -> 64 -> 32 -> 16 -> 16 -> 8
  config.model.pooling = "spectral"  # "spectral" truncation (exactly equivariant) or "area" 2x2
  config.model.num_anchors = 6  # filter anchor values per channel pair, interpolated over degree
  config.model.invariant = "degree_norms"  # what the head reads: "mean" or "degree_norms" per channel
  config.model.dropout_rate = 0.3  # dropout on the pooled invariant features before the head

  config.optimizer = ml_collections.ConfigDict()  # optax Adam and its learning-rate schedule
  config.optimizer.learning_rate = 2e-3  # peak learning rate of Adam
  config.optimizer.schedule = "warmup_cosine"  # "constant", "warmup_cosine" or "step"
  config.optimizer.warmup_steps = 200  # linear warm-up steps ("warmup_cosine")
  config.optimizer.decay_steps = ()  # steps where "step" multiplies the rate by decay_factor
  config.optimizer.decay_factor = 0.1  # the "step" schedule's factor
  config.optimizer.weight_decay = 0.05  # decoupled weight decay (AdamW) if > 0
  config.optimizer.grad_clip_norm = 1.0  # clip the global gradient norm to this if > 0

  config.batch_size = 32  # global batch, split over the devices (a multiple of the device count)
  config.eval_batch_size = 64  # global evaluation batch (the split's end is padded and masked)
  config.num_train_steps = 4000  # optimizer steps in total (~12.5 epochs of 10,200 stored views)
  config.log_every_steps = 50  # console line + metrics.jsonl record every this many steps
  config.checkpoint_every_steps = 500  # orbax checkpoint every this many steps (and at the end)
  config.keep_checkpoints = 3  # the last this many checkpoints are kept
  config.eval_every_steps = 1000  # evaluate on eval_split every this many steps (0: only at the end)
  return config
