r"""The embedding network E on ModelNet10 (bed, chair, sofa, toilet): views → Φ's block_3 maps.

  python -m experiments.train --config=configs/embed.py --workdir=/tmp/embed           # laptop size
  python -m experiments.train --config=configs/embed.py:paper --workdir=/tmp/embed_gpu  # accelerators
  python -m experiments.train --config=configs/embed.py:laptop,encoder_decoder ...      # the older E

With no Φ named (config.phi_workdir) it first trains the spherical CNN of configs/spherical_cnn.py in
<workdir>/spherical_cnn (~20 min on a 2-core CPU; reused when complete). "laptop" is a ~0.75M
parameter network for CPUs; "paper" the authors' size (~15M parameters, batch 16, 200k steps as in
the paper; ~5 images/s on 2 CPU cores). Meshes come from ../shared/data/modelnet10.
"""

import ml_collections

from configs import spherical_cnn

SIZES = ("laptop", "paper")
ARCHITECTURES = ("lifted", "encoder_decoder")


def encoder_decoder_model(size: str) -> ml_collections.ConfigDict:
  """The encoder-decoder E (nn.EmbeddingNet): view → 1 × 1 code → spherical maps. The synthesis
  network G and the regression baseline take their sizes from it."""
  paper = size == "paper"
  model = ml_collections.ConfigDict()
  model.architecture = "encoder_decoder"  # experiments.stages.embed_model.ARCHITECTURES
  model.width = 64 if paper else 16  # channels of the stem; the encoder doubles them
  model.max_width = 256 if paper else 64  # channel cap (and the decoder's 4x4 channels)
  model.code_size = 1024 if paper else 256  # the 1x1 code between image and sphere
  model.blocks_per_stage = 2 if paper else 1  # residual blocks per resolution
  model.activation = "relu"  # nonlinearity (equivariant_embeddings.nn.activations)
  return model


def lifted_model(size: str) -> ml_collections.ConfigDict:
  """The lifted E (nn.LiftedEmbeddingNet): image features sampled where the camera sees each
  front-hemisphere grid point, a global code for the hidden side, spherical blocks."""
  paper = size == "paper"
  model = ml_collections.ConfigDict()
  model.architecture = "lifted"  # experiments.stages.embed_model.ARCHITECTURES
  model.width = 64 if paper else 16  # image CNN channels at S/2 (2x at S/4, 4x at S/8)
  model.code_size = 512 if paper else 128  # the global code (the hidden side's only source)
  model.sphere_width = 128 if paper else 32  # channels of the maps on the target grid
  model.sphere_blocks = 6 if paper else 3  # residual blocks on the target grid
  model.sphere_layers = ("spherical", "spherical", "spherical")  # layers of each block: exactly
  # equivariant SphericalConv or "planar" 3x3 convs of spherically padded maps (all-spherical fits
  # best and runs fastest; BENCHMARKS.md, 'Which layers on the sphere')
  model.num_anchors = 6  # filter anchors of the spherical convolutions
  model.quarter_turn_average = "inference"  # average E over the 4 quarter turns of the view:
  # "never", "inference" (exact quarter turns at 4x inference cost) or "always"
  model.activation = "relu"  # nonlinearity (equivariant_embeddings.nn.activations)
  return model


def model_config(size: str, architecture: str) -> ml_collections.ConfigDict:
  """config.model of E: `architecture` in ARCHITECTURES at `size` in SIZES."""
  if architecture not in ARCHITECTURES:
    raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
  return lifted_model(size) if architecture == "lifted" else encoder_decoder_model(size)


def get_config(arg: str = "laptop") -> ml_collections.ConfigDict:
  """arg: "<size>" or "<size>,<architecture>", size in SIZES, architecture in ARCHITECTURES
  (default "lifted")."""
  size, _, architecture = arg.partition(",")
  architecture = architecture or "lifted"
  if size not in SIZES:
    raise ValueError(f"size must be one of {SIZES}, got {size!r}")
  paper = size == "paper"
  config = ml_collections.ConfigDict()
  config.stage = "embed"  # experiments.stages name: regress Φ's feature maps from single views
  config.seed = 0  # initialisation and shuffling derive from it
  config.multihost = False  # call jax.distributed.initialize() first (multi-host TPU/GPU)
  config.phi_workdir = ""  # a trained Φ's workdir; "": train config.phi in <workdir>/spherical_cnn
  config.phi = spherical_cnn.get_config()  # Φ's config, when it is trained here
  config.target_layer = "block_3"  # Φ's block whose maps E regresses: (16, 16, 64) at b = 32
  config.target_statistics_examples = 1024  # training examples that set the per-channel normalisation
  config.view_augmentation = "none"  # training pairs moved by random view symmetries: "none",
  # "quarter_turns" (about the camera axis), "quarter_turns_and_mirror" or "in_plane_turns" (about
  # the camera axis by any multiple of 360°/2b: 2b pairs per view; 3DOF only)
  config.huber_delta = 1.0  # breakpoint of the area-weighted Huber loss (targets are normalised)
  config.pose_eval_pairs = 64  # validation pairs whose relative-pose error each evaluation reports

  config.data = ml_collections.ConfigDict()  # which dataset, and how it is built
  config.data.name = "modelnet"  # data_pipelines.load_dataset name
  config.data.mesh_dir = config.phi.data.mesh_dir  # ../shared/data/modelnet10
  config.data.data_dir = ""  # where TFDS builds and keeps the dataset ("": ~/tensorflow_datasets)
  config.data.num_workers = 0  # processes building the dataset (0: one per core)
  config.data.train_split = "train"  # split trained on
  config.data.eval_split = "validation"  # evaluated every eval_every_steps (1 in 8 training meshes)
  config.data.test_split = "test"  # evaluated once, after the last step ("": never)
  config.data.builder = ml_collections.ConfigDict()  # options of the TFDS builder config
  config.data.builder.variant = "modelnet10"  # class list of the builder
  config.data.builder.categories = ("bed", "chair", "sofa", "toilet")  # the paper's pose classes
  config.data.builder.bandwidth = 32  # b of the maps Φ reads: (64, 64, C)
  config.data.builder.image_size = 64  # S: views are (64, 64, 1)
  config.data.builder.channels = config.phi.data.builder.channels  # must be those Φ reads
  config.data.builder.rotation_mode = "3dof"  # views of uniformly rotated meshes (SO(3))
  config.data.builder.views_per_mesh = 8  # rotations per training mesh: more = more variety
  config.data.builder.scale_range = (0.8, 1.25)  # random anisotropic scaling (the paper's; train)
  config.data.builder.surface_dropout = 0.0  # no damaged-mesh views (Φ needed them, E does not)

  config.model = model_config(size, architecture)  # E's network (see model_config)

  config.optimizer = ml_collections.ConfigDict()  # optax Adam and its learning-rate schedule
  config.optimizer.learning_rate = 1e-3  # peak learning rate of Adam
  config.optimizer.schedule = "warmup_cosine"  # "constant", "warmup_cosine" or "step"
  config.optimizer.warmup_steps = 500  # linear warm-up steps ("warmup_cosine")
  config.optimizer.decay_steps = ()  # steps where "step" multiplies the rate by decay_factor
  config.optimizer.decay_factor = 0.1  # the "step" schedule's factor
  config.optimizer.weight_decay = 0.0  # decoupled weight decay (AdamW) if > 0
  config.optimizer.grad_clip_norm = 1.0  # clip the global gradient norm to this if > 0

  config.batch_size = 16 if paper else 32  # global batch (a multiple of the device count)
  config.eval_batch_size = 64  # global evaluation batch (the split's end is padded and masked)
  config.num_train_steps = 200_000 if paper else 20_000  # optimizer steps in total
  config.log_every_steps = 100  # console line + metrics.jsonl record every this many steps
  config.checkpoint_every_steps = 1000  # orbax checkpoint every this many steps (and at the end)
  config.keep_checkpoints = 3  # the last this many checkpoints are kept
  config.eval_every_steps = 10_000 if paper else 1000  # validation loss and pose error (0: at end)
  return config
