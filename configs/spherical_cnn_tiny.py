"""A seconds-long spherical CNN run for tests: 2 synthetic classes, b = 8, a two-block model.

Set data.data_dir to a scratch directory (the tiny dataset is built there on first use).
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
  config = ml_collections.ConfigDict()
  config.stage = "spherical_cnn"  # experiments.stages name: shape classification from spherical maps
  config.seed = 0  # initialisation, shuffling and rotation augmentation all derive from it
  config.num_classes = 2  # must equal the dataset's class count (checked when the data is opened)
  config.multihost = False  # call jax.distributed.initialize() first (multi-host TPU/GPU)

  config.data = ml_collections.ConfigDict()
  config.data.name = "synthetic_shapes"  # data_pipelines.load_dataset name
  config.data.mesh_dir = ""  # mesh directory ("" for synthetic shapes, which need none)
  config.data.data_dir = ""  # where TFDS builds and keeps the dataset ("": ~/tensorflow_datasets)
  config.data.num_workers = 1  # processes that build the dataset; 1 keeps the test in-process
  config.data.train_split = "train"  # split trained on
  config.data.eval_split = "test"  # split evaluated on (never tuned on)
  config.data.builder = ml_collections.ConfigDict()  # options of the TFDS builder config
  config.data.builder.bandwidth = 8  # b: spherical maps are (2b, 2b, C) = (16, 16, 1)
  config.data.builder.image_size = 8  # rendered views (unused by this stage); small = fast build
  config.data.builder.channels = ("distance",)  # spherical map channels (C = 1)
  config.data.builder.rotation_mode = "3dof"  # each stored example is uniformly rotated
  config.data.builder.categories = ("airplane", "mug")  # two classes
  config.data.builder.train_per_category = 4  # 8 training shapes
  config.data.builder.test_per_category = 2  # 4 test shapes
  config.augment_rotations = True  # a fresh random SO(3) rotation per example and step

  config.model = ml_collections.ConfigDict()  # SphericalCNN(num_classes=..., **config.model)
  config.model.block_features = (4, 8)  # channels of each residual block
  config.model.block_pooling = (1, 2)  # 16x16 -> 16x16 -> 8x8
  config.model.num_anchors = 3  # filter anchor values per channel pair, interpolated over degree

  config.optimizer = ml_collections.ConfigDict()
  config.optimizer.learning_rate = 1e-2  # peak learning rate of Adam
  config.optimizer.schedule = "constant"  # "constant", "warmup_cosine" or "step"
  config.optimizer.warmup_steps = 0  # linear warm-up steps ("warmup_cosine")
  config.optimizer.decay_steps = ()  # steps where "step" multiplies the rate by decay_factor
  config.optimizer.decay_factor = 0.1  # the "step" schedule's factor
  config.optimizer.weight_decay = 0.0  # decoupled weight decay (AdamW) if > 0
  config.optimizer.grad_clip_norm = 0.0  # clip the global gradient norm to this if > 0

  config.batch_size = 8  # global batch, split over the devices (a multiple of the device count)
  config.eval_batch_size = 8  # global evaluation batch (padded at the end of the split)
  config.num_train_steps = 4  # optimizer steps in total
  config.log_every_steps = 1  # console line + metrics.jsonl record every this many steps
  config.checkpoint_every_steps = 2  # orbax checkpoint every this many steps (and at the end)
  config.keep_checkpoints = 2  # the last this many checkpoints are kept
  config.eval_every_steps = 0  # evaluate every this many steps (0: only at the end)
  return config
