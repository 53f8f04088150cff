"""Training stages: what the generic trainer (training/loop.py) trains, chosen by `config.stage`.

Each stage is split in two. The model side (`<stage>_model.py`, `protocol.InferenceStage`: model,
input shape, named features) is all that inference needs, and `trained.load_trained` is the one
way to load it from a workdir. The training side (`<stage>.py`, `protocol.TrainingStage`: data,
per-example losses, extra evaluation metrics and images) subclasses it; `registry.make_stage`
builds it. The trainer owns the optimizer, sharding, checkpoints, metrics and evaluation.

  spherical_cnn_model.py, spherical_cnn.py   Φ, the spherical CNN classifier
  embed_model.py, embed.py                   E, views → Φ's feature maps
  synth_model.py, synth.py                   G, E's embeddings → views
  regression_model.py, regression.py         the pose-regression baseline
  trained.py       load_trained(workdir, step, kind): a trained model, its variables and step
  registry.py      STAGES and make_stage: the training side by config.stage
  protocol.py      the two protocols above
  dependencies.py  where a stage finds the trained stage it depends on
  datasets.py      opening a stage's configured dataset splits
  augmentation.py  training pairs moved by random view symmetries
  apply.py         a Flax model applied in training or evaluation mode
"""
