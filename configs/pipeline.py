r"""The whole chain in one command: dataset → Φ → E → G → baseline → pose tables → novel views.

  python -m experiments.pipeline --config=configs/pipeline.py --workdir=workdirs/chain
  python -m experiments.pipeline --config=configs/pipeline.py:modelnet --workdir=workdirs/chain_mn
  python -m experiments.pipeline --config=configs/pipeline.py:shapenet --workdir=workdirs/chain_sn \
      --config.data.mesh_dir=/path/to/ShapeNetCore.v2

"synthetic" (the default): the bundled procedural shapes, built locally, in 2DOF (upright objects
seen from uniform directions), sized so that the whole chain runs in well under 20 minutes on a
2-core CPU and E clearly beats the baseline and random guesses (measured; see README.md).
"modelnet": ModelNet10's bed, chair, sofa and toilet from ../shared/data/modelnet10 with the
laptop-size stages of configs/embed.py, synth.py and regression.py. "shapenet": ShapeNetCore's
airplane, car and chair (y up) at the same sizes. E is the lifted E (configs/embed.py) on 3DOF
views and the encoder-decoder E on 2DOF ones, each the better there (BENCHMARKS.md). Every stage
reads `data`; stage fields can be overridden, e.g. --config.embed.num_train_steps=5000. See
experiments/training/chain.py.
"""

import ml_collections

from configs import embed
from configs import regression
from configs import spherical_cnn
from configs import spherical_cnn_synthetic
from configs import synth

DATASETS = ("synthetic", "modelnet", "shapenet")


def _synthetic_sizes(config) -> None:
  """Step counts and sizes of the ~20-minute chain on the procedural shapes."""
  phi = config.spherical_cnn
  phi_synthetic = spherical_cnn_synthetic.get_config()
  phi.model = phi_synthetic.model
  phi.optimizer.warmup_steps = 50  # linear warm-up steps
  phi.num_train_steps = 300  # 100% validation accuracy by step 400 in the 600-step quickstart
  phi.log_every_steps = 25  # console line + metrics.jsonl record every this many steps
  phi.checkpoint_every_steps = 100  # orbax checkpoint every this many steps (and at the end)
  phi.eval_every_steps = 0  # evaluate at the end only
  config.embed.target_layer = "block_2"  # (16, 16, 32) at b = 16
  for stage in (config.embed, config.synth, config.regression):
    stage.log_every_steps = 50  # console line + metrics.jsonl record every this many steps
    stage.checkpoint_every_steps = 250  # orbax checkpoint every this many steps (and at the end)
    stage.eval_every_steps = 0  # evaluate at the end only
    stage.optimizer.warmup_steps = 100  # linear warm-up steps
  config.embed.num_train_steps = 6000  # E: 192,000 views seen (34 epochs)
  config.regression.num_train_steps = config.embed.num_train_steps  # as many views as E
  config.regression.rmse_steps = 2000  # RMSE, then the geodesic loss
  config.synth.num_train_steps = 1500  # G
  config.evaluation.max_meshes_per_category = 0  # all 200 test shapes × 3 pairs per task
  config.evaluation.template_meshes_per_category = 25  # canonical training shapes per template
  config.synthesis.error_meshes = 16  # held-out shapes for the novel-view errors
  config.expected_seconds.update(  # measured on the 2-core CPU (3,000-step E and baseline, scaled)
      dataset=15, spherical_cnn=35, embed=500, synth=100, regression=100, templates=6,
      evaluate_pose=40, synthesize=10)


def link_stages(config) -> None:
  """Every stage reads config.data (one object: --config.data.<field>=... sets every stage's); E's
  Φ and G's E are the chain's own, set when the chain runs (experiments.training.chain)."""
  config.synth.embed = ml_collections.ConfigDict()  # the chain's E, set when the chain runs
  config.embed.phi = ml_collections.ConfigDict()  # the chain's Φ, set when the chain runs
  for stage in (config.spherical_cnn, config.embed, config.synth, config.regression):
    stage.data = config.data  # the chain's dataset


def get_config(dataset: str = "synthetic") -> ml_collections.ConfigDict:
  if dataset not in DATASETS:
    raise ValueError(f"the pipeline config's argument must be one of {DATASETS}, got {dataset!r}")
  config = ml_collections.ConfigDict()
  config.data = ml_collections.ConfigDict()  # the dataset every stage reads (one build)
  config.data.name = {"synthetic": "synthetic_shapes"}.get(dataset, dataset)  # load_dataset name
  modelnet10 = spherical_cnn.get_config().data.mesh_dir  # ../shared/data/modelnet10
  config.data.mesh_dir = modelnet10 if dataset == "modelnet" else ""  # set it for ShapeNet
  config.data.data_dir = ""  # where TFDS builds and keeps the dataset ("": ~/tensorflow_datasets)
  config.data.num_workers = 0  # processes building the dataset and rendering views (0: per core)
  config.data.train_split = "train"  # split trained on
  config.data.eval_split = "validation"  # evaluated after each stage (1 in 8 training meshes)
  config.data.test_split = "test"  # the stages' final test figures and the pose evaluation
  config.data.builder = ml_collections.ConfigDict()  # options of the TFDS builder config
  if dataset == "synthetic":
    config.data.builder.train_per_category = 100  # 800 training shapes (8 classes)
    config.data.builder.test_per_category = 25  # 200 test shapes
    config.data.builder.bandwidth = 16  # b of the spherical maps: (32, 32, 1)
    config.data.builder.image_size = 32  # S: views are (32, 32, 1)
    config.data.builder.channels = ("distance",)  # spherical map channels
  else:
    if dataset == "modelnet":
      config.data.builder.variant = "modelnet10"  # class list of the builder
      config.data.builder.categories = ("bed", "chair", "sofa", "toilet")  # the paper's classes
    else:
      config.data.builder.categories = ("airplane", "car", "chair")  # ShapeNet synsets
    config.data.builder.bandwidth = 32  # b of the spherical maps: (64, 64, C)
    config.data.builder.image_size = 64  # S: views are (64, 64, 1)
    config.data.builder.channels = spherical_cnn.get_config().data.builder.channels  # 4 channels
    config.data.builder.scale_range = (0.8, 1.25)  # random anisotropic scaling of training meshes
  # Views of uniformly rotated meshes (SO(3)), or "2dof": uniform viewing directions, upright.
  config.data.builder.rotation_mode = "2dof" if dataset == "synthetic" else "3dof"  # see above
  config.data.builder.views_per_mesh = 8  # rotations per training mesh

  num_classes = len(config.data.builder.get("categories", ())) or 8
  config.spherical_cnn = spherical_cnn.get_config()  # Φ (its data block is replaced by `data`)
  config.spherical_cnn.num_classes = num_classes  # the chain's classes
  config.embed = embed.get_config("laptop")  # E (Φ is the chain's): the lifted E for 3DOF
  if config.data.builder.rotation_mode == "2dof":
    # On 2DOF views the encoder-decoder E did better in this chain (test IB 12.4° against the
    # lifted E's 18.1°, CB 17.9° against 25.4°; BENCHMARKS.md); in 3DOF only the lifted E learns.
    config.embed.model = embed.encoder_decoder_model("laptop")  # E's network
  config.synth = synth.get_config("laptop")  # G (E is the chain's)
  config.regression = regression.get_config("laptop")  # the baseline, E's encoder
  link_stages(config)

  config.evaluation = ml_collections.ConfigDict()  # experiments.evaluate_pose on the test split
  config.evaluation.modes = ()  # rotation modes ("2dof", "3dof"); (): the data's, E's own
  config.evaluation.pairs_per_mesh = 3  # rotations (IB, I2M) and partners (CB) per test mesh
  config.evaluation.max_meshes_per_category = 0  # test meshes per class (0: all)
  config.evaluation.fold_symmetry = False  # fold errors over a half turn about the up axis
  config.evaluation.seed = 1  # seeds the evaluation's rotations and partners
  config.evaluation.template_meshes_per_category = 0  # training meshes per template (0: all)

  config.synthesis = ml_collections.ConfigDict()  # experiments.synthesize
  config.synthesis.num_meshes = 2  # test meshes drawn as strips and GIFs
  config.synthesis.error_meshes = 32  # held-out meshes of the novel-view errors
  config.synthesis.steps = 12  # frames per rotation path

  # Seconds of each step on a 2-core CPU, for the chain's ETA. Real meshes: estimated from the
  # measured train-step rates at these sizes (BENCHMARKS.md), ~2 h in all for ModelNet.
  config.expected_seconds = ml_collections.ConfigDict(dict(  # step -> seconds
      dataset=150, spherical_cnn=1200, embed=2960, synth=1170, regression=930, templates=150,
      evaluate_pose=400, synthesize=120))
  if dataset == "synthetic":
    _synthetic_sizes(config)
  return config
