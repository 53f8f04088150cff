"""Times the sphere core against s2fft and e3nn-jax in one run on the same machine.

  pip install -e ".[bench]"
  python -m benchmarks.bench_sphere [--bandwidths 32,64,128] [--channels 64] [--repeats 20]

Forward + inverse SHT of float32 signals with C channels at each bandwidth b, for
- this project (`forward_sht` / `inverse_sht`, Driscoll–Healy 2b × 2b grid),
- s2fft's precompute route (kernels built once, `sampling="dh"`, `reality=True`, vmapped over channels),
- e3nn-jax (`from_s2grid` / `to_s2grid`, quadrature "soft": the same colatitudes),
then `best_rotation` for 32-channel b = 8 embeddings batched over 64 pairs, with its accuracy.
Reports medians of repeated jitted calls (after a warm-up call), ratios, round-trip errors (a check that
each library computed a real transform), and the memory of this project's cached constants.
"""

import argparse
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

from equivariant_embeddings import sphere
from equivariant_embeddings.sphere import sht
from equivariant_embeddings.sphere import so3


def median_ms(fn, *args, repeats):
  jax.block_until_ready(fn(*args))  # compile and warm up
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    jax.block_until_ready(fn(*args))
    times.append(time.perf_counter() - start)
  return 1e3 * statistics.median(times)


def band_limited(b, channels, seed=0):
  """A random real band-limited signal (2b, 2b, C) float32 and its coefficients."""
  rng = np.random.default_rng(seed)
  coeffs = rng.normal(size=(b, 2 * b - 1, channels)) + 1j * rng.normal(size=(b, 2 * b - 1, channels))
  x = sphere.inverse_sht(coeffs.astype(np.complex64))
  return x, sphere.forward_sht(x)


def relative_error(a, b):
  return float(jnp.linalg.norm((a - b).ravel()) / jnp.linalg.norm(b.ravel()))


def ours(b, channels, repeats):
  x, _ = band_limited(b, channels)
  round_trip = jax.jit(lambda x: sht.inverse_sht(sht.forward_sht(x)))
  ms = median_ms(round_trip, x, repeats=repeats)
  forward, inverse = sht._legendre_tables(b)  # pylint: disable=protected-access
  constants = forward.nbytes + inverse.nbytes
  return ms, relative_error(round_trip(x), x), constants


def s2fft_round_trip(b, channels, repeats):
  import s2fft  # pylint: disable=import-outside-toplevel
  from s2fft.precompute_transforms import construct  # pylint: disable=import-outside-toplevel
  from s2fft.precompute_transforms import spherical  # pylint: disable=import-outside-toplevel
  del s2fft
  forward_kernel = construct.spin_spherical_kernel_jax(b, reality=True, sampling="dh", forward=True)
  inverse_kernel = construct.spin_spherical_kernel_jax(b, reality=True, sampling="dh", forward=False)

  def one_channel(f):
    flm = spherical.forward(f, b, kernel=forward_kernel, sampling="dh", reality=True, method="jax")
    return spherical.inverse(flm, b, kernel=inverse_kernel, sampling="dh", reality=True, method="jax")

  round_trip = jax.jit(jax.vmap(one_channel, in_axes=-1, out_axes=-1))
  # s2fft's DH grid is 2b × (2b − 1): synthesise a band-limited test signal on it.
  rng = np.random.default_rng(0)
  flm = rng.normal(size=(channels, b, 2 * b - 1)) + 1j * rng.normal(size=(channels, b, 2 * b - 1))
  flm = jnp.asarray(flm * (np.abs(np.arange(1 - b, b))[None, None, :] <= np.arange(b)[None, :, None]))
  # With reality=True the inverse reads m ≥ 0 only, so any flm gives a real band-limited signal.
  inverse = jax.vmap(lambda c: spherical.inverse(c, b, kernel=inverse_kernel, sampling="dh",
                                                 reality=True, method="jax"))
  x = jnp.moveaxis(inverse(flm.astype(jnp.complex64)).real.astype(jnp.float32), 0, -1)
  ms = median_ms(round_trip, x, repeats=repeats)
  return ms, relative_error(round_trip(x), x)


def e3nn_round_trip(b, channels, repeats):
  import e3nn_jax as e3nn  # pylint: disable=import-outside-toplevel
  irreps = e3nn.s2_irreps(b - 1)
  # e3nn's FFT path needs an odd number of longitudes: its grid is 2b × (2b − 1), like s2fft's.
  to_grid = lambda c: e3nn.to_s2grid(c, 2 * b, 2 * b - 1, quadrature="soft").grid_values

  def round_trip(x):  # x: (C, 2b, 2b − 1) = (channel, β, α)
    return to_grid(e3nn.from_s2grid(e3nn.SphericalSignal(x, quadrature="soft"), irreps))

  round_trip = jax.jit(round_trip)
  rng = np.random.default_rng(0)
  x = to_grid(e3nn.IrrepsArray(irreps, jnp.asarray(rng.normal(size=(channels, irreps.dim)),
                                                   jnp.float32)))
  ms = median_ms(round_trip, x, repeats=repeats)
  return ms, relative_error(round_trip(x), x)


def best_rotation_timing(repeats, pairs=64, b=8, channels=32):
  rng = np.random.default_rng(1)
  coeffs = rng.normal(size=(pairs, b, 2 * b - 1, channels)) + 1j * rng.normal(
      size=(pairs, b, 2 * b - 1, channels))
  f = sphere.inverse_sht(coeffs.astype(np.complex64))
  rotations = sphere.random_rotations(jax.random.PRNGKey(0), pairs)
  g = sphere.rotate_spherical(f, rotations)
  search = jax.jit(lambda f, g: so3._best_rotation(f, g, 4 * b))  # pylint: disable=protected-access
  ms = median_ms(search, f, g, repeats=repeats)
  errors = np.asarray(sphere.rotation_angle_deg(search(f, g)[0], rotations))
  constants = so3._delta_products(b).nbytes + sphere.wigner_delta(b - 1).nbytes  # pylint: disable=protected-access
  return ms / pairs, float(np.median(errors)), float(errors.max()), constants


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--bandwidths", default="32,64,128")
  parser.add_argument("--channels", type=int, default=64)
  parser.add_argument("--repeats", type=int, default=20)
  # e3nn-jax's from_s2grid/to_s2grid at b = 128, C = 64 needed more than 16 GB here (killed for memory
  # on a 24 GB machine), so it is timed only up to this bandwidth.
  parser.add_argument("--e3nn_max_bandwidth", type=int, default=64)
  args = parser.parse_args()
  print(f"# {platform.processor() or platform.machine()}, {jax.devices()[0].device_kind} "
        f"({jax.device_count()} device(s)), jax {jax.__version__}, float32, C = {args.channels}")
  print("| b | ours (ms) | s2fft precompute (ms) | e3nn-jax (ms) | speed-up vs fastest peer "
        "| round-trip rel. error ours / s2fft / e3nn | cached constants (MB) |")
  print("|---|---|---|---|---|---|---|")
  for b in (int(v) for v in args.bandwidths.split(",")):
    ours_ms, ours_err, constants = ours(b, args.channels, args.repeats)
    s2_ms, s2_err = s2fft_round_trip(b, args.channels, args.repeats)
    if b <= args.e3nn_max_bandwidth:
      e3_ms, e3_err = e3nn_round_trip(b, args.channels, args.repeats)
      e3_cell, e3_err_cell = f"{e3_ms:.2f}", f"{e3_err:.1e}"
    else:
      e3_ms, e3_cell, e3_err_cell = float("inf"), "out of memory", "–"
    print(f"| {b} | {ours_ms:.2f} | {s2_ms:.2f} | {e3_cell} | {min(s2_ms, e3_ms) / ours_ms:.1f}× "
          f"| {ours_err:.1e} / {s2_err:.1e} / {e3_err_cell} | {constants / 2**20:.2f} |", flush=True)
  per_pair, median_err, max_err, constants = best_rotation_timing(args.repeats)
  print(f"\nbest_rotation, b = 8, 32 channels, 64 pairs: {per_pair:.3f} ms per pair; error median "
        f"{median_err:.1e}°, max {max_err:.1e}°; cached constants {constants / 2**20:.2f} MB")


if __name__ == "__main__":
  main()
