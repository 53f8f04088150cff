"""absl binaries and their libraries (file I/O lives here, never in `equivariant_embeddings`).

At the top, only what a user runs (`python -m experiments.X`) or imports by name:
  train.py                the training binary: `--config=configs/<stage>.py --workdir=...`
  pipeline.py             the whole chain in one workdir (`--config=configs/pipeline.py`)
  evaluate_pose.py        relative and absolute pose tables and figures of an embed workdir
  evaluate_classifier.py  where a trained classifier (or ensemble) errs
  build_templates.py      category templates for absolute pose (templates.npz in an embed workdir)
  synthesize.py           novel views G(R·E(view)) of a synth workdir
  thin_mesh_folder.py     a mesh folder with every k-th training mesh (learning curves)
  data_sheet.py           a PNG of views and spherical maps of a few meshes
  export.py               the public loading API: features, relative and absolute pose, image to mesh

Libraries by concern, each binary's library named below ("of <binary>"). Imports run
downward only: binaries and export → evaluation/, training/ → stages/ → workdir/. Adding a stage or
a pose method: docs/extending.md.
  training/     loop.py (train_and_evaluate, the library of train), chain.py (run_pipeline, of
                pipeline), state.py (train state), optimizers.py, parallel.py (device mesh),
                batches.py (host batches), prefetch.py (read-ahead), thin_mesh_folder.py
  evaluation/   pose.py (of evaluate_pose: options and driver; pose_views.py renders and pairs the
                views, pose_methods.py the registry of methods, pose_report.py tables and figures),
                classifier.py (of evaluate_classifier), templates.py (of build_templates),
                synthesis.py (of synthesize)
  stages/       what is trained, chosen by config.stage: the model side (<stage>_model.py, loaded by
                trained.py) and the training side (<stage>.py, built by registry.py)
  workdir/      a workdir's files: checkpoints.py (orbax), config_io.py (config.json), claim.py
                (one run per workdir: the lock and the config check), metrics.py (metrics.jsonl,
                TensorBoard, curves.png), templates_file.py (templates.npz), inference.py
                (batched inference over examples)
"""
