"""Smoke test of benchmarks/bench_spherical_cnn.py on a tiny model (b = 8, batch 2)."""

from absl import flags

from benchmarks import bench_spherical_cnn


def test_benchmark_runs_on_a_tiny_model(capsys):
  flags.FLAGS(["bench", "--batch_size=2", "--bandwidth=8", "--block_features=2,2",
               "--block_pooling=1,2",
               "--repeats=1", "--equivariance", "--pooling=area"])
  try:
    bench_spherical_cnn.main([])
  finally:
    flags.FLAGS.unparse_flags()
  out = capsys.readouterr().out
  assert "forward+backward:" in out and "maps/s" in out
  assert "block_1 (8, 8, 2)" in out  # 16×16 input pooled to 8×8
