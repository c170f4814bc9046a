"""The fused backend of compile: kernels agree with the NumPy replay, exact where promised."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import functional_ad as fad
from functional_ad.transforms import fused, native
from tests.op_table import ROWS

ENGINES = [e for e in ("numexpr", "numba") if fused.engine_available(e)]
pytestmark = pytest.mark.skipif(not ENGINES, reason='needs pip install "functional_ad[fast]"')

# Fused kernels compute +, -, *, /, sqrt and abs bit for bit like NumPy's float64 loops, and
# sin and cos with the C library; the documented tolerance is 2 ulps per element (0 on
# machines where NumPy's float64 sin and cos are the C library's, as here).
ULPS = 2


def assert_agrees(got, want, ulps=ULPS):
    """Equal within ``ulps`` ulps, with NaN and inf positions, signs of zeros and dtypes exact."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    if want.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want)
        return
    for part in ((lambda a: a.real), (lambda a: a.imag)) if want.dtype.kind == "c" else [None]:
        g, w = (got, want) if part is None else (part(got), part(want))
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
        np.testing.assert_array_equal(np.isinf(g) * np.sign(g), np.isinf(w) * np.sign(w))
        zeros = w == 0
        np.testing.assert_array_equal(np.signbit(g[zeros]), np.signbit(w[zeros]))
        finite = np.isfinite(w)
        gap = np.abs(g[finite] - w[finite])
        assert np.all(gap <= ulps * np.spacing(np.abs(w[finite]))), (g, w)


def kernels_in(compiled):
    """The lines of the generated code that call a fused kernel (named f<n>)."""
    return [line for line in compiled.source.splitlines() if re.search(r"\bf\d+\(", line)]


# ----------------------------------------------------------------------------- the op table

SMOOTH = [r for r in ROWS if r.order and r.sample is None and not r.tags]
CASES = [(row, shapes) for row in SMOOTH for shapes in row.arg_shapes() if shapes[0] != ()]


# numexpr compiles in microseconds: every row; numba's JIT takes ~0.1 s a kernel: the rows of
# the primitives it fuses and a few composite functions
NUMBA_ROWS = {"add", "subtract", "multiply", "divide", "negative", "square", "reciprocal"}
NUMBA_ROWS |= {"sqrt", "absolute", "fabs", "sin", "cos", "polyval", "interp", "std", "trapezoid"}
ENGINE_CASES = [
    (engine, row, shapes)
    for engine in ENGINES
    for row, shapes in CASES
    if engine == "numexpr" or row.name in NUMBA_ROWS
]


@pytest.mark.parametrize(
    "engine, row, shapes",
    ENGINE_CASES,
    ids=[f"{e}-{r.case_id(s)}" for e, r, s in ENGINE_CASES],
)
def test_compiled_grad_agrees_with_the_numpy_backend_over_the_op_table(engine, row, shapes):
    """compile(grad) of each row: forward and backward passes fused, against NumPy replay."""

    def loss(*args):
        return sum(np.sum(np.real(leaf) ** 2) for leaf in fad.tree_leaves(row.fn(*args)))

    rng = np.random.default_rng(5)
    args = row.args(rng, shapes, np.float64)
    argnums = tuple(range(len(args)))
    plain = fad.compile(fad.grad(loss, argnums=argnums), backend="numpy")
    fused_grad = fad.compile(fad.grad(loss, argnums=argnums), backend=engine)
    for values in (args, row.args(rng, shapes, np.float64)):
        for g, w in zip(fused_grad(*values), plain(*values), strict=True):
            assert_agrees(g, w)


# ----------------------------------------------------------------------------- special values

SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -1e-310, 1e308, -2.5, 3.0])


def every_template(x, y):
    a = (x + y) * (x - y) / (y - 1.5)
    b = np.sqrt(np.abs(a)) - np.fabs(-y) + np.square(x) * np.reciprocal(y)
    return -(np.sin(b) * np.cos(a)) + a * b


@pytest.mark.parametrize("engine", ENGINES)
def test_special_values_are_exact(engine):
    x = np.repeat(SPECIAL, len(SPECIAL))
    y = np.tile(SPECIAL, len(SPECIAL))
    compiled = fad.compile(every_template, backend=engine)
    with np.errstate(all="ignore"):
        want = every_template(x, y)
        got = compiled(x, y)
    assert kernels_in(compiled)
    assert_agrees(got, want, ulps=0 if engine == "numexpr" else ULPS)
    # signed zeros through arithmetic: -0.0 * 1.0, 0.0 * -1.0, -0.0 - 0.0
    zeros = fad.compile(lambda z: (z * 1.0 - 0.0) * -1.0, backend=engine)
    z = np.array([0.0, -0.0, 1.0])
    assert_agrees(zeros(z), (z * 1.0 - 0.0) * -1.0, ulps=0)


@pytest.mark.parametrize("engine", ENGINES)
def test_integer_bool_and_complex_programs_stay_numpy_and_exact(engine):
    def f(i, c, x):
        return (i * 3 + i // 2) % 7, c * c + 1j, (x > 0) & (x < 1), x * 2.0 + 1.0

    i = np.arange(-5, 5)
    c = np.linspace(-1, 1, 10) + 0.5j
    x = np.linspace(-2, 2, 10)
    compiled = fad.compile(f, backend=engine)
    got = compiled(i, c, x)
    for g, w in zip(got, f(i, c, x), strict=True):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
    assert len(kernels_in(compiled)) == 1  # the float64 chain only


@pytest.mark.parametrize("engine", ENGINES)
def test_float32_is_left_to_numpy(engine):
    x = np.linspace(-1, 1, 8, dtype=np.float32)
    compiled = fad.compile(lambda x: np.sin(x) * 2.0 + 1.0, backend=engine)
    got = compiled(x)
    assert got.dtype == np.float32 and not kernels_in(compiled)
    np.testing.assert_array_equal(got, np.sin(x) * 2.0 + 1.0)


def test_sin_and_cos_of_one_operand_share_a_loop():
    if not fused.engine_available("numba"):
        pytest.skip("needs numba")

    def f(x):
        return np.sum(np.tanh(np.sin(x) * 1.5 + 0.25))  # its grad reads cos(x)

    x = np.concatenate([np.linspace(-4, 4, 61), SPECIAL])
    compiled = fad.compile(fad.grad(f), backend="numba")
    with np.errstate(all="ignore"):
        got, want = compiled(x), fad.compile(fad.grad(f), backend="numpy")(x)
    assert_agrees(got, want)
    calls = kernels_in(compiled)
    # two outputs (reshaped), x (raveled)
    assert any(line.count(".reshape(-1)") == 2 and ".ravel()" in line for line in calls)
    # the cosine is stored by the forward kernel, computed nowhere else
    assert len(calls) == 2 and "_cos" not in compiled.source


def _peak_of_call(f, x):
    import tracemalloc

    f(x)  # compiled (and numba kernels loaded) before measuring
    tracemalloc.start()
    try:
        f(x)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_sin_cos_pairs_are_kept_while_the_peak_stays_within_the_numpy_replay():
    # two sines with values read by the gradient between them (the benchmark's 10-op chain):
    # storing both cosines would raise the peak above one array per primitive, so one pair
    # is kept; and the last kernel writes into a buffer its own loop reads for the last time
    if not fused.engine_available("numba"):
        pytest.skip("needs numba")

    def chain(x):
        for _ in range(2):
            x = np.exp(np.tanh(np.sin(x) * 1.5 + 0.25))
        return np.sum(x)

    x = np.random.default_rng(0).standard_normal(2**16)
    compiled = fad.compile(fad.grad(chain), backend="numba")
    plain = fad.compile(fad.grad(chain), backend="numpy")
    assert_agrees(compiled(x), plain(x))
    source = compiled.source
    fresh = set(re.findall(r"^    (v\d+) = np_empty", source, re.M))
    writes_two = [  # a kernel whose two outputs (reshaped) are new buffers: sin and cos
        line
        for line in kernels_in(compiled)
        if len(outputs := re.findall(r"(v\d+)\.reshape", line)) == 2 and set(outputs) <= fresh
    ]
    assert len(writes_two) == 1, source
    assert re.search(r"^    v\d+ = v\d+$", source, re.M), source  # a buffer reused by a kernel
    # (the same number of arrays: Python's own small allocations differ by a few bytes)
    assert _peak_of_call(compiled, x) < _peak_of_call(plain, x) + x.nbytes // 2


def _neighbours(x, y):
    return np.sum(x[1:] * y[1:]) + np.sum(x[:-1] * y[:-1])  # -0.0 + -0.0 and -0.0 + 0.0


def _neighbours_and_sine(x, y):
    return _neighbours(x, y) + np.sum(np.sin(x[1:]) * y[:-1])


@pytest.mark.parametrize("f", [_neighbours, _neighbours_and_sine])
@pytest.mark.parametrize("engine", ENGINES)
def test_cotangents_of_slices_are_added_before_embedding_bit_for_bit(engine, f):
    y = np.array([-0.0, 0.0, -0.0, -0.0, np.inf, -np.inf, np.nan, 1.5, -0.0, 2.0])
    x = np.array([0.0, -0.0, 1.0, np.pi, -0.0, 0.5, 2.0, -1.0, 0.0, -0.0])
    compiled = fad.compile(fad.grad(f, argnums=(0, 1)), backend=engine)
    plain = fad.compile(fad.grad(f, argnums=(0, 1)), backend="numpy")
    with np.errstate(all="ignore"):
        want = plain(x, y)
        for g, w in zip(compiled(x, y), want, strict=True):
            assert_agrees(g, w, ulps=0 if engine == "numexpr" else ULPS)
    assert "embed_and_add" in compiled.source
    if f is _neighbours:  # both signs of zero occur
        zeros = want[0][want[0] == 0]
        assert np.signbit(zeros).any() and not np.signbit(zeros).all()


def test_merge_embeds_leaves_shared_and_repeated_index_embeddings_alone():
    def f(x):
        i = np.array([0, 0, 1])  # repeated integer indices add up: not merged
        return np.sum(x[i] * 2.0) + np.sum(x[i] * x[i])

    x = np.array([0.5, -1.5, 2.0])
    compiled = fad.compile(fad.grad(f), backend=ENGINES[-1])
    np.testing.assert_array_equal(compiled(x), fad.compile(fad.grad(f), backend="numpy")(x))
    assert "embed_and_add" not in compiled.source


# ----------------------------------------------------------------------------- buffers


@pytest.mark.parametrize("engine", ENGINES)
def test_reused_buffers_never_clobber_arguments_views_or_outputs(engine):
    def f(x):
        a = x * 2.0 + 1.0  # a kernel
        view = a.reshape(2, 3)  # a view of the kernel's buffer, returned
        b = np.tanh(a)  # a ufunc reading the buffer
        c = b * b - 1.0  # a kernel whose input dies here
        d = np.exp(c)
        return view, d * 3.0 - c, x

    x = np.linspace(-1, 1, 6)
    original = x.copy()
    compiled = fad.compile(f, backend=engine)
    for _ in range(2):
        got = compiled(x)
        for g, w in zip(got, f(original), strict=True):
            assert_agrees(g, w)
    np.testing.assert_array_equal(x, original)
    assert got[2] is not x  # outputs belong to the caller


def test_dead_buffers_are_reused_in_place():
    x = np.linspace(-1, 1, 1 << 16)
    compiled = fad.compile(lambda x: np.sum(np.exp(np.tanh(x * 2.0 + 1.0) * 3.0)), backend="numba")
    np.testing.assert_allclose(compiled(x), np.sum(np.exp(np.tanh(x * 2.0 + 1.0) * 3.0)))
    assert "out=" in compiled.source


# ----------------------------------------------------------------------------- choosing


def test_auto_replays_small_programs_as_numpy_code_and_fuses_large_ones():
    if not fused.engine_available("numba"):
        pytest.skip("auto fuses with numba only")

    def f(x):
        return np.sum(np.sin(x * 1.5 + 0.25) * x)

    small = fad.compile(f, backend="auto")
    small(np.ones(3))
    numpy_backend = fad.compile(f, backend="numpy")
    numpy_backend(np.ones(3))
    assert small.source == numpy_backend.source
    large = fad.compile(fad.grad(f), backend="auto")
    x = np.linspace(-1, 1, fused.AUTO_MIN_SIZE)
    assert_agrees(large(x), fad.compile(fad.grad(f), backend="numpy")(x))
    assert kernels_in(large)


def test_backend_names_are_checked():
    with pytest.raises(ValueError, match="unknown backend 'jax'"):
        fad.compile(np.sin, backend="jax")


def test_the_environment_variable_forces_numpy(monkeypatch):
    monkeypatch.setenv(fused.ENVIRONMENT_VARIABLE, "numpy")
    assert fad.compile(np.sin).backend == "numpy"
    monkeypatch.setenv(fused.ENVIRONMENT_VARIABLE, "fastest")
    with pytest.raises(ValueError, match=fused.ENVIRONMENT_VARIABLE):
        fad.compile(np.sin)
    monkeypatch.delenv(fused.ENVIRONMENT_VARIABLE)
    expected = "auto" if fused.engine_available("numba") else "numpy"
    assert fad.compile(np.sin).backend == expected


def test_kernels_are_cached_on_disk_for_the_next_process(tmp_path):
    if not fused.engine_available("numba"):
        pytest.skip("needs numba")
    script = textwrap.dedent(
        """
        import sys, numpy as np, functional_ad as fad
        f = fad.compile(lambda x: np.cos(x) * x - 0.5 * x, backend="numba")
        x = np.linspace(0, 1, 5)
        assert np.allclose(f(x), np.cos(x) * x - 0.5 * x)
        print("numba" in sys.modules)
        """
    )
    env = dict(os.environ, FUNCTIONAL_AD_CACHE_DIR=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    imported = [
        subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=root, check=True, capture_output=True
        ).stdout.strip()
        for _ in range(2)
    ]
    if not sys.platform.startswith("linux"):  # numba's own cache: its index file
        assert len(list((tmp_path / "numba").rglob("*.nbi"))) == 1
        return
    # one kernel, compiled once; the second process loads its machine code without numba
    assert len(list((tmp_path / "numba").glob("*.o"))) == 1
    assert imported == [b"True", b"False"]


def test_a_damaged_cached_kernel_is_compiled_again(tmp_path):
    if not fused.engine_available("numba") or not sys.platform.startswith("linux"):
        pytest.skip("needs numba, on Linux")
    source = fused._numba_source(
        fused._Kernel(["a", "b"], [False, True], [("t0", "np.sin(x0) * x1")], "t0", []), None
    )
    native.load(source, 1, [False, True], tmp_path)
    (path,) = tmp_path.glob("*.o")
    intact = path.read_bytes()
    damaged = bytearray(intact)
    damaged[200] ^= 0xFF  # one flipped byte in the machine code: never run
    path.write_bytes(bytes(damaged))
    native._LOADED.clear()  # (as in a new process)
    again = native.load(source, 1, [False, True], tmp_path)
    stored = path.read_bytes()  # compiled again and stored again, with its checksum
    assert stored != bytes(damaged) and hashlib.sha256(stored[:-32]).digest() == stored[-32:]
    x, out = np.linspace(0, 3, 7), np.empty(7)
    again(out, x, 2.0)
    assert_agrees(out, np.sin(x) * 2.0)
    # the entry point checks what it reads from each array
    refused = [
        (np.empty(14)[::2], x, 2.0),  # a strided output
        (out, x[:6], 2.0),  # another length
        (out, x.reshape(7, 1), 2.0),  # 2-d
        (out, x.astype(">f8"), 2.0),  # float64 of the other byte order
        (out, x.astype(np.float32), 2.0),
        (out, x.view(np.int64), 2.0),  # the same bytes, another dtype
        (out, x, 2.0, 3.0),  # one argument too many
    ]
    for arguments in refused:
        with pytest.raises(ValueError, match="not native float64, 1-d, C-contiguous"):
            again(*arguments)
    with pytest.raises(TypeError, match="real number"):
        again(out, x, "2")
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        again(out, x, 2.0)
