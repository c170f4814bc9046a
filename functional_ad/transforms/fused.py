"""The fused backend of compile: elementwise regions as numba loops or numexpr expressions.

``compile`` hands this module a plain instruction list (``Program``). Maximal regions of
float64 elementwise primitives of one output shape become one kernel each (one pass over
memory instead of one per primitive); everything else stays a call of the primitive's NumPy
implementation. A buffer that dies at a statement is reused as that statement's output
(``out=``) when the program made it and no view of it can exist, and every temporary is
deleted after its last use.

Which primitives are fused is measured, not assumed (``benchmarks/fused_backends.py``):
NumPy's SIMD ``exp``, ``log``, ``tanh``... beat a scalar loop calling the C library, so
they stay NumPy calls, while arithmetic, ``sqrt``, ``abs`` and the trigonometric functions
(scalar in NumPy too) go into kernels.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core import Primitive, Tracer
from . import native

BACKENDS = ("auto", "numpy", "numba", "numexpr")
ENVIRONMENT_VARIABLE = "FUNCTIONAL_AD_COMPILE_BACKEND"
INSTALL_HINT = 'pip install "functional_ad[fast]"'

# auto: fuse (and reuse buffers) only where a kernel's output has at least this many
# elements; smaller programs are replayed as plain NumPy code, with no compilation cost.
AUTO_MIN_SIZE = 1 << 15
# numexpr refuses an expression of more inputs ("too many inputs"): a region that would read
# more distinct values stays NumPy calls
NUMEXPR_MAX_INPUTS = 63


@dataclass(frozen=True)
class Literal:
    """A constant operand (a number or an array) of an instruction."""

    value: Any


@dataclass
class Instruction:
    """``outputs = primitive(*operands, **params)``; names are the generated code's names."""

    primitive: Primitive
    operands: list[str | Literal]
    params: dict
    outputs: list[str]


@dataclass
class Program:
    """A straight-line program: its inputs, instructions in order and outputs.

    ``types`` maps every name to the shape and dtype of its value.
    """

    inputs: list[str]
    instructions: list[Instruction]
    outputs: list[str | Literal]
    types: dict[str, tuple[tuple[int, ...], np.dtype]] = field(default_factory=dict)

    def dead_after(self) -> list[set[str]]:
        """The names whose values are dead after each instruction (not outputs)."""
        last: dict[str, int] = {}
        for n, ins in enumerate(self.instructions):
            for x in ins.operands:
                if isinstance(x, str):
                    last[x] = n
            for name in ins.outputs:
                last.setdefault(name, n)
        returned = {x for x in self.outputs if isinstance(x, str)}
        dead: list[set[str]] = [set() for _ in self.instructions]
        for name, n in last.items():
            if name not in returned:
                dead[n].add(name)
        return dead


# ----------------------------------------------------------------------------- the kernels

# Elementwise primitives each engine evaluates bit for bit like NumPy's float64 loops
# (arithmetic, sqrt, abs) or within the C library's accuracy (sin, cos), and at least as
# fast; {0}, {1} are the operands. numexpr's transcendental functions are slower than
# NumPy's, so it fuses arithmetic only.
_ARITHMETIC = {
    "add": "({0} + {1})",
    "sub": "({0} - {1})",
    "mul": "({0} * {1})",
    "div": "({0} / {1})",
    "neg": "(-{0})",
    "square": "({0} * {0})",
    "reciprocal": "(1.0 / {0})",
}
NUMBA_TEMPLATES = {
    **_ARITHMETIC,
    "sqrt": "np.sqrt({0})",
    "abs": "np.abs({0})",
    "fabs": "np.abs({0})",
    "sin": "np.sin({0})",
    "cos": "np.cos({0})",
}
NUMEXPR_TEMPLATES = {**_ARITHMETIC, "sqrt": "sqrt({0})", "abs": "abs({0})", "fabs": "abs({0})"}

_F64 = np.dtype(np.float64)


def _ufunc_call(ins: Instruction) -> bool:
    """True if the instruction is a plain ufunc call: a fresh result, ``out=`` accepted."""
    prim = ins.primitive
    return type(prim.impl) is np.ufunc and not ins.params and not prim.multiple_results


def _scalar_literal(value: Any) -> bool:
    if isinstance(value, Tracer):
        return False
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float)):
        return True
    return (
        isinstance(value, (np.ndarray, np.generic))
        and value.ndim == 0
        and (value.dtype.kind in "iuf")
    )


class _Plan:
    """The fusion decisions for one program and one engine."""

    def __init__(
        self, program: Program, engine: str, min_size: int, pair: bool | frozenset = True
    ) -> None:
        self.program = program
        templates = NUMBA_TEMPLATES if engine == "numba" else NUMEXPR_TEMPLATES
        instructions = program.instructions
        types = program.types
        producer: dict[str, int] = {}
        for n, ins in enumerate(instructions):
            for name in ins.outputs:
                producer[name] = n
        fusable = [self._fusable(ins, types, templates) for ins in instructions]
        consumers: dict[str, list[int]] = {}
        for n, ins in enumerate(instructions):
            for x in dict.fromkeys(o for o in ins.operands if isinstance(o, str)):
                consumers.setdefault(x, []).append(n)
        returned = {x for x in program.outputs if isinstance(x, str)}
        # numba: sin(x) and cos(x) of one operand in one loop (compiled to one sincos call,
        # measured ~1.5x faster than two passes); the later one is stored by the earlier's kernel
        partners: dict[int, int] = {}
        if engine == "numba" and pair:
            first: dict[tuple[str, str], int] = {}
            for n, ins in enumerate(instructions):
                name = ins.primitive.name
                if fusable[n] and name in ("sin", "cos") and isinstance(ins.operands[0], str):
                    other = first.get(("cos" if name == "sin" else "sin", ins.operands[0]))
                    if (
                        other is not None
                        and types[ins.outputs[0]] == types[instructions[other].outputs[0]]
                        and (pair is True or n in pair)
                    ):
                        partners[n] = other
                    first.setdefault((name, ins.operands[0]), n)
        # roots: fused instructions whose value is stored; the others are inlined into the
        # one kernel that reads them (a value read by two kernels is stored, not recomputed)
        root_of: dict[int, int] = {}
        roots: set[int] = set()
        for n in range(len(instructions) - 1, -1, -1):
            if not fusable[n]:
                continue
            name = instructions[n].outputs[0]
            shape = types[name][0]
            users = consumers.get(name, [])
            targets = set()
            stored = name in returned
            for c in users:
                if not fusable[c] or types[instructions[c].outputs[0]][0] != shape:
                    stored = True
                else:
                    targets.add(root_of[c])
            if stored or len(targets) != 1 or n in partners:
                roots.add(n)
                root_of[n] = n
            else:
                root_of[n] = targets.pop()
        members: dict[int, list[int]] = {r: [] for r in roots}
        for n in sorted(root_of):
            members[root_of[n]].append(n)
        self.kernels: dict[int, list[int]] = {}
        for root, group in members.items():
            size = int(np.prod(types[instructions[root].outputs[0]][0]))
            if min_size and (len(group) < 2 or size < min_size):
                continue  # auto: a single primitive or a small array stays a NumPy call
            if engine == "numexpr" and _inputs(group, instructions, producer) > NUMEXPR_MAX_INPUTS:
                continue
            self.kernels[root] = group
        self.extras: dict[int, list[int]] = {}
        self.attached: set[int] = set()
        for n, other in partners.items():
            root = root_of[other]
            if root in self.kernels and root < n and members[n] == [n]:
                self.extras.setdefault(root, []).append(n)
                self.attached.add(n)
                self.kernels.pop(n, None)
        self.inlined = {n for r, g in self.kernels.items() for n in g if n != r}
        self.producer = producer
        self.consumers = consumers
        self.returned = returned

    @staticmethod
    def _fusable(ins: Instruction, types: dict, templates: dict) -> bool:
        prim = ins.primitive
        if prim.name not in templates or not prim.elementwise or prim.multiple_results:
            return False
        if ins.params or len(ins.outputs) != 1:
            return False
        shape, dtype = types[ins.outputs[0]]
        if dtype != _F64 or len(shape) == 0 or 0 in shape:
            return False
        for x in ins.operands:
            if isinstance(x, str):
                if types[x][1] != _F64 or types[x][0] not in (shape, ()):
                    return False
            elif not (
                _scalar_literal(x.value)
                or (
                    type(x.value) is np.ndarray and x.value.dtype == _F64 and x.value.shape == shape
                )
            ):
                return False
        return True


def _inputs(group: list[int], instructions: list[Instruction], producer: dict[str, int]) -> int:
    """How many distinct values (names or literals) the region ``group`` reads from outside."""
    members = set(group)
    read: set[Any] = set()
    for n in group:
        for x in instructions[n].operands:
            if not isinstance(x, str):
                read.add(("literal", id(x)))
            elif producer.get(x) not in members:
                read.add(x)
    return len(read)


@dataclass
class _Kernel:
    """One kernel: its leaves (names, or literals) and the expression per member."""

    leaves: list[str | Literal]
    scalar: list[bool]  # per leaf: passed as a number (shape ()), else as an array
    body: list[tuple[str, str]]  # (temporary, expression over leaves and temporaries)
    result: str
    extras: list[str]  # the temporaries stored as further outputs


def _uniform(x: Literal) -> Literal:
    """An array constant holding one value everywhere (sign of zero included) as a number.

    ``op(x, full(shape, c))`` and ``op(x, c)`` give the same values: the number is read
    once instead of a whole array.

    >>> _uniform(Literal(np.full(3, 2.0))).value, _uniform(Literal(np.array([0.0, -0.0]))).value
    (2.0, array([ 0., -0.]))
    """
    value = x.value
    if type(value) is not np.ndarray or value.ndim == 0:
        return x
    first = value.flat[0]
    if np.all(value == first) and np.all(np.signbit(value) == np.signbit(first)):
        return Literal(float(first))
    return x


def _kernel(plan: _Plan, root: int, templates: dict, engine: str = "numexpr") -> _Kernel:
    program = plan.program
    leaves: list[str | Literal] = []
    scalar: list[bool] = []
    leaf_names: dict[Any, str] = {}
    temps: dict[str, str] = {}
    body: list[tuple[str, str]] = []
    group = set(plan.kernels[root])

    def leaf(x: str | Literal) -> str:
        key = x if isinstance(x, str) else ("literal", id(x))
        if key not in leaf_names:
            leaf_names[key] = f"x{len(leaves)}"
            if engine == "numba" and isinstance(x, Literal):
                x = _uniform(x)  # (the output buffer, not a leaf, gives numba's loop length)
            leaves.append(x)
            shape = program.types[x][0] if isinstance(x, str) else np.shape(x.value)
            scalar.append(len(shape) == 0)
        return leaf_names[key]

    extras = plan.extras.get(root, [])
    for n in plan.kernels[root] + extras:
        ins = program.instructions[n]
        args = []
        for x in ins.operands:
            if isinstance(x, str) and x in plan.producer and plan.producer[x] in group:
                args.append(temps[x])
            else:
                args.append(leaf(x))
        temp = f"t{len(body)}"
        temps[ins.outputs[0]] = temp
        body.append((temp, templates[ins.primitive.name].format(*args)))
    result = temps[program.instructions[root].outputs[0]]
    extra_temps = [temps[program.instructions[n].outputs[0]] for n in extras]
    return _Kernel(leaves, scalar, body, result, extra_temps)


def _numba_source(k: _Kernel, cache: bool | None) -> str:
    """numba source of the kernel: ``njit(cache=cache)`` over arrays, or with ``cache=None``
    a ``cfunc`` over float64 pointers and the length (``native`` loads its machine code)."""
    outs = ["out"] + [f"out{j}" for j in range(1, len(k.extras) + 1)]
    inputs = [f"x{i}" for i in range(len(k.leaves))]
    if cache is None:
        arrays = outs + [x for x, s in zip(inputs, k.scalar, strict=True) if not s]
        types = ["P"] * len(outs) + ["types.float64" if s else "P" for s in k.scalar]
        params = [f"{x}_" if x in arrays else x for x in outs + inputs]
        lines = [
            "import numpy as np",
            "from numba import carray, cfunc, types",
            "",
            "P = types.CPointer(types.float64)",
            "",
            "",
            f"@cfunc(types.void({', '.join(types)}, types.intp), error_model='numpy')",
            f"def kernel({', '.join(params)}, n):",
            *[f"    {x} = carray({x}_, n)" for x in arrays],
            "    for i in range(n):",
        ]
    else:
        lines = [
            "import numpy as np",
            "from numba import njit",
            "",
            "",
            f"@njit(cache={cache}, error_model='numpy', fastmath=False, nogil=True)",
            f"def kernel({', '.join(outs + inputs)}):",
            "    for i in range(out.shape[0]):",
        ]
    for i, is_scalar in enumerate(k.scalar):
        lines.append(f"        l{i} = x{i}" + ("" if is_scalar else "[i]"))
    for temp, expression in k.body:
        loaded = re.sub(r"\bx(\d+)\b", r"l\1", expression)
        lines.append(f"        {temp} = {loaded}")
    lines.append(f"        out[i] = {k.result}")
    for j, temp in enumerate(k.extras, 1):
        lines.append(f"        out{j}[i] = {temp}")
    return "\n".join(lines) + "\n"


def _numexpr_expression(k: _Kernel) -> str:
    expressions: dict[str, str] = {}
    for temp, expression in k.body:
        expressions[temp] = re.sub(r"\bt(\d+)\b", lambda m: expressions[m.group(0)], expression)
    return expressions[k.result]


_NUMBA_KERNELS: dict[str, Callable] = {}
_NUMEXPR_KERNELS: dict[str, Callable] = {}


def cache_directory() -> Path | None:
    """Where numba kernels are cached on disk, or None if no directory is writable.

    ``FUNCTIONAL_AD_CACHE_DIR``, else ``$XDG_CACHE_HOME/functional_ad``, else
    ``~/.cache/functional_ad``; a second process loads the kernels compiled by the first.

    >>> cache_directory() is None or cache_directory().name in ("kernels", "numba")
    True
    """
    root = os.environ.get("FUNCTIONAL_AD_CACHE_DIR")
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
        root = os.path.join(base, "functional_ad")
    path = Path(root) / "numba"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def _numba_kernel(k: _Kernel) -> Callable:
    """The kernel as machine code kept on disk (``native``), else numba's ``njit``."""
    directory = cache_directory()
    kernel = native.load(_numba_source(k, None), 1 + len(k.extras), k.scalar, directory)
    if kernel is not None:
        return kernel
    source = _numba_source(k, cache=True)
    kernel = _NUMBA_KERNELS.get(source)
    if kernel is not None:
        return kernel
    if directory is not None:
        # a module in a file, so that numba can cache the machine code beside it
        digest = hashlib.sha256(source.encode()).hexdigest()[:24]
        path = directory / f"kernel_{digest}.py"
        if not path.exists() or path.read_text() != source:
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(source)
            os.replace(temporary, path)
        name = f"functional_ad_kernel_{digest}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # numba finds the module of a cached kernel by name
        spec.loader.exec_module(module)
        kernel = module.kernel
    else:
        namespace: dict[str, Any] = {}
        exec(_numba_source(k, cache=False), namespace)
        kernel = namespace["kernel"]
    _NUMBA_KERNELS[source] = kernel
    return kernel


def _numexpr_kernel(k: _Kernel) -> Callable:
    from numexpr.necompiler import NumExpr

    expression = _numexpr_expression(k)
    kernel = _NUMEXPR_KERNELS.get(expression)
    if kernel is None:
        signature = [(f"x{i}", np.float64) for i in range(len(k.leaves))]
        kernel = functools.partial(
            NumExpr(expression, signature=signature),
            order="K",
            casting="safe",
            ex_uses_vml=False,
        )
        _NUMEXPR_KERNELS[expression] = kernel
    return kernel


# ----------------------------------------------------------------------------- rewriting


def _slices_only(params: dict) -> bool:
    index = params.get("index")
    return isinstance(index, tuple) and all(isinstance(i, slice) or i is Ellipsis for i in index)


def _leading_span(params: dict, shape: tuple[int, ...]) -> tuple[int, int] | None:
    """``(start, stop)`` if ``embed`` writes a value of ``shape`` into rows start:stop."""
    index, full = params.get("index"), params.get("shape")
    if not (isinstance(index, tuple) and index and isinstance(full, tuple) and full):
        return None
    # (an index array among the trailing entries is not a whole axis: compare slices only)
    if not isinstance(index[0], slice) or not all(
        isinstance(i, slice) and i == slice(None) for i in index[1:]
    ):
        return None
    start, stop, step = index[0].indices(full[0])
    if step != 1 or (max(start, stop) - start,) + tuple(full[1:]) != tuple(shape):
        return None
    return start, max(start, stop)


def _embed_and_add_impl(a: Any, b: Any, embed: Callable, first: dict, span: tuple) -> Any:
    """``embed(a, **first) + embed(b at rows span)`` with one full-size array, bit for bit.

    Rows of the span get ``out + b`` (in that order, as the sum would); the other rows get
    ``out + 0.0`` (so that ``-0.0`` becomes ``0.0``, as it does in the sum).
    """
    out = embed(a, **first)
    start, stop = span
    np.add(out[start:stop], b, out=out[start:stop])
    out[:start] += 0.0
    out[stop:] += 0.0
    return out


_embed_and_add = Primitive("embed_and_add", _embed_and_add_impl)


def merge_embeds(program: Program) -> Program:
    """``add(embed(a, I), embed(b, I))`` as ``embed(add(a, b), I)`` where that is exact.

    Reverse mode writes the cotangent of each read of a slice into zeros of the full shape
    (``embed``) and adds them up; adding first makes one full-size array instead of three,
    and lets ``a + b`` join a kernel. It is exact for slice indices of float64 values read
    by nothing else: each element gets ``a + b`` or ``0`` either way (``0 + 0`` is ``+0``).
    With different indices, the second being a block of rows, ``b`` is added in place into
    the first embedding (``embed_and_add``), again bit for bit.

    >>> from functional_ad.ops.elementwise import add
    >>> from functional_ad.ops.indexing import embed
    >>> f64 = np.dtype(np.float64)
    >>> types = {"a": ((2,), f64), "b": ((2,), f64), "c": ((3,), f64), "d": ((3,), f64)}
    >>> types["e"] = ((3,), f64)
    >>> at = {"index": (slice(1, None),), "shape": (3,)}
    >>> program = Program(["a", "b"], [Instruction(embed, ["a"], at, ["c"]),
    ...     Instruction(embed, ["b"], at, ["d"]), Instruction(add, ["c", "d"], {}, ["e"])],
    ...     ["e"], types)
    >>> [(i.primitive.name, i.operands) for i in merge_embeds(program).instructions]
    [('add', ['a', 'b']), ('embed', ['e_sum'])]
    """
    while True:  # (a merged embedding may merge again with the next one)
        merged = _merge_once(program)
        if merged is program:
            return program
        program = merged


def _merge_once(program: Program) -> Program:
    instructions = program.instructions
    producer = {ins.outputs[0]: n for n, ins in enumerate(instructions) if ins.outputs}
    uses: dict[str, int] = {}
    for ins in instructions:
        for x in ins.operands:
            if isinstance(x, str):
                uses[x] = uses.get(x, 0) + 1
    for x in program.outputs:
        if isinstance(x, str):
            uses[x] = uses.get(x, 0) + 2
    types = dict(program.types)
    dropped: set[int] = set()
    replaced: dict[int, list[Instruction]] = {}
    for n, ins in enumerate(instructions):
        if ins.primitive.name != "add" or ins.params or len(ins.operands) != 2:
            continue
        if not all(isinstance(x, str) and x in producer for x in ins.operands):
            continue
        e1, e2 = (producer[x] for x in ins.operands)  # type: ignore[index]
        first, second = instructions[e1], instructions[e2]
        if e1 == e2 or {e1, e2} & dropped or n in replaced:
            continue
        if not (first.primitive.name == second.primitive.name == "embed"):
            continue
        a, b = first.operands[0], second.operands[0]
        if not (isinstance(a, str) and isinstance(b, str)):
            continue
        if types[a][1] != _F64 or types[b][1] != _F64:
            continue
        if any(uses.get(x, 0) != 1 for x in ins.operands if isinstance(x, str)):
            continue
        if (
            _slices_only(first.params)
            and _slices_only(second.params)  # (no index arrays: == below is a plain bool)
            and first.params == second.params
            and types[a] == types[b]
        ):
            total = f"{ins.outputs[0]}_sum"
            types[total] = types[a]
            replaced[n] = [
                Instruction(ins.primitive, [a, b], {}, [total]),
                Instruction(first.primitive, [total], first.params, list(ins.outputs)),
            ]
            dropped.update((e1, e2))
            continue
        shape = first.params.get("shape")
        span = _leading_span(second.params, types[b][0])
        if span is None or shape != second.params.get("shape") or types[ins.outputs[0]][1] != _F64:
            continue
        params = {"embed": first.primitive.impl, "first": first.params, "span": span}
        replaced[n] = [Instruction(_embed_and_add, [a, b], params, list(ins.outputs))]
        dropped.update((e1, e2))
    if not replaced:
        return program
    body: list[Instruction] = []
    for n, ins in enumerate(instructions):
        if n not in dropped:
            body.extend(replaced.get(n, [ins]))
    return Program(program.inputs, body, program.outputs, types)


# ----------------------------------------------------------------------------- code generation

_OPERATORS = {"add": "{} + {}", "sub": "{} - {}", "mul": "{} * {}", "div": "{} / {}", "neg": "-{}"}


def engine_available(engine: str) -> bool:
    """True if the kernel engine (``"numba"`` or ``"numexpr"``) can be imported.

    >>> engine_available("numpy")
    False
    """
    if engine not in ("numba", "numexpr"):
        return False
    return importlib.util.find_spec(engine) is not None


def resolve_backend(backend: str | None) -> str:
    """The backend ``compile`` uses: ``backend``, else the environment variable, else auto.

    Raises ``ValueError`` for an unknown name and ``ImportError`` for an engine asked for
    by name that is not installed.

    >>> resolve_backend("numpy")
    'numpy'
    """
    chosen = backend
    if chosen is None:
        chosen = os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or "auto"
        source = f"the environment variable {ENVIRONMENT_VARIABLE}"
    else:
        source = "compile(..., backend=...)"
    if chosen not in BACKENDS:
        raise ValueError(
            f"compile: unknown backend {chosen!r} (from {source}); choose one of "
            f"{', '.join(repr(b) for b in BACKENDS)}"
        )
    if chosen in ("numba", "numexpr") and not engine_available(chosen):
        raise ImportError(
            f"compile: backend {chosen!r} needs {chosen}, which is not installed; "
            f"{INSTALL_HINT}, or use backend='numpy'"
        )
    if chosen == "auto":  # numexpr measured slower than NumPy's own loops: numba only
        return "auto" if engine_available("numba") else "numpy"
    return chosen


class _Schedule:
    """The statements of a plan in order, when each name dies and which buffers are reused."""

    def __init__(
        self, plan: _Plan, templates: dict, engine: str, auto: bool, reuse: bool = True
    ) -> None:
        instructions = plan.program.instructions
        types = plan.program.types
        self.plan = plan
        self.auto = auto
        self.reuses = reuse
        # statements: (kind, reads, instruction index); kind is "kernel" or "call"
        self.statements: list[tuple[str, list[str], int]] = []
        for n, ins in enumerate(instructions):
            if n in plan.inlined or n in plan.attached:
                continue
            if n in plan.kernels:
                leaves = _kernel(plan, n, templates, engine).leaves
                self.statements.append(("kernel", [x for x in leaves if isinstance(x, str)], n))
            else:
                reads = [x for x in ins.operands if isinstance(x, str)]
                self.statements.append(("call", reads, n))
        self.last_use: dict[str, int] = {}
        for s, (_, reads, _) in enumerate(self.statements):
            for x in reads:
                self.last_use[x] = s
        # a buffer may be reused once dead if the program made it fresh (a kernel's result,
        # or a ufunc's) and only kernels and ufuncs read it (no view of it can be alive)
        self.fresh: dict[str, bool] = {}  # name -> C-contiguous guaranteed
        safe_reader = {
            n: kind == "kernel" or _ufunc_call(instructions[n]) for kind, _, n in self.statements
        }
        safe_reader.update(dict.fromkeys(plan.inlined | plan.attached, True))  # kernel members
        for kind, _, n in self.statements:
            ins = instructions[n]
            if kind == "kernel" or (_ufunc_call(ins) and len(types[ins.outputs[0]][0]) > 0):
                for name in self.made(n):
                    readers = plan.consumers.get(name, [])
                    if name not in plan.returned and all(
                        safe_reader.get(r, False) for r in readers
                    ):
                        # (a ufunc's fresh 1-d result is contiguous too)
                        self.fresh[name] = kind == "kernel" or len(types[name][0]) == 1

    def made(self, n: int) -> list[str]:
        """The names statement ``n`` (an instruction index) writes: kernels may write several."""
        instructions = self.plan.program.instructions
        return [instructions[n].outputs[0]] + [
            instructions[e].outputs[0] for e in self.plan.extras.get(n, [])
        ]

    def large(self, name: str) -> bool:
        types = self.plan.program.types
        return not self.auto or int(np.prod(types[name][0])) >= AUTO_MIN_SIZE

    def dying(self, s: int) -> list[str]:
        """The names statement ``s`` reads for the last time."""
        reads = self.statements[s][1]
        returned = self.plan.returned
        return [x for x in dict.fromkeys(reads) if self.last_use[x] == s and x not in returned]

    def reuse(self, s: int) -> str | None:
        """A dying buffer statement ``s`` can write its (first) result into, if any."""
        kind, _, n = self.statements[s]
        ins = self.plan.program.instructions[n]
        shape, dtype = self.plan.program.types[ins.outputs[0]]
        if (
            self.reuses
            and (kind == "kernel" or _ufunc_call(ins))
            and self.large(ins.outputs[0])
            and shape
        ):
            for x in self.dying(s):
                same = self.plan.program.types[x] == (shape, dtype)
                if x in self.fresh and same and (kind != "kernel" or self.fresh[x]):
                    return x
        return None

    def peak(self) -> int:
        """The most bytes of values made by the program alive at once (views counted too)."""
        types = self.plan.program.types
        inputs = set(self.plan.program.inputs)
        live = peak = 0
        for s, (_, _, n) in enumerate(self.statements):
            reused = self.reuse(s)
            for name in self.made(n):
                shape, dtype = types[name]
                if not (name == self.made(n)[0] and reused is not None):
                    live += int(np.prod(shape)) * dtype.itemsize
            peak = max(peak, live)
            for name in self.dying(s):
                if name != reused and name not in inputs:
                    shape, dtype = types[name]
                    live -= int(np.prod(shape)) * dtype.itemsize
        return peak


def generate(program: Program, backend: str) -> tuple[str, dict[str, Any]] | None:
    """Python source of ``run(*inputs)`` with fused kernels, and its namespace.

    ``backend`` is ``"numba"`` or ``"numexpr"`` (fuse every eligible region) or ``"auto"``
    (numba; fuse only regions of two primitives or more over at least ``AUTO_MIN_SIZE``
    elements). Returns ``None`` when nothing would be fused or
    reused: the plain NumPy replay is then the program.

    >>> import numpy as np
    >>> from functional_ad.ops.elementwise import add, mul
    >>> types = {n: ((3,), np.dtype(np.float64)) for n in "abc"}
    >>> program = Program(["a"], [Instruction(mul, ["a", "a"], {}, ["b"]),
    ...                           Instruction(add, ["b", Literal(1.0)], {}, ["c"])], ["c"], types)
    >>> source, namespace = generate(program, "numexpr")
    >>> exec(source, namespace)
    >>> namespace["run"](np.array([1.0, 2.0, 3.0]))
    (array([ 2.,  5., 10.]),)
    """
    auto = backend == "auto"
    engine = "numba" if auto else backend
    templates = NUMBA_TEMPLATES if engine == "numba" else NUMEXPR_TEMPLATES
    program = merge_embeds(program)
    min_size = AUTO_MIN_SIZE if auto else 0
    plan = _Plan(program, engine, min_size)
    schedule = _Schedule(plan, templates, engine, auto)
    if plan.extras:
        # a sin/cos pair stores a value for later: only where the program's peak stays within
        # that of the NumPy replay (one array per primitive, none reused)
        alone = _Plan(program, engine, min_size, pair=False)
        alone_schedule = _Schedule(alone, templates, engine, auto)
        replay = _Schedule(
            _Plan(program, engine, sys.maxsize, False), templates, engine, auto, False
        )
        budget = max(alone_schedule.peak(), replay.peak())
        if schedule.peak() > budget:  # the pairs one at a time, in program order, while it holds
            kept: frozenset = frozenset()
            candidates = sorted(plan.attached)
            plan, schedule = alone, alone_schedule
            for n in candidates:
                trial = _Plan(program, engine, min_size, pair=kept | {n})
                trial_schedule = _Schedule(trial, templates, engine, auto)
                if n in trial.attached and trial_schedule.peak() <= budget:
                    kept, plan, schedule = kept | {n}, trial, trial_schedule
    instructions = program.instructions
    types = program.types
    statements, last_use, fresh, large = (
        schedule.statements,
        schedule.last_use,
        schedule.fresh,
        schedule.large,
    )
    if auto and not plan.kernels and not any(large(name) for name in fresh):
        return None

    namespace: dict[str, Any] = {"np_empty": np.empty}
    lines: list[str] = []
    returned = plan.returned

    def constant(value: Any) -> str:
        key = f"k{len(namespace)}"
        namespace[key] = value
        return key

    def operand(x: str | Literal) -> str:
        return x if isinstance(x, str) else constant(x.value)

    for s, (kind, _, n) in enumerate(statements):
        ins = instructions[n]
        out_name = ins.outputs[0]
        shape, dtype = types[out_name]
        dying = schedule.dying(s)
        reuse = schedule.reuse(s)
        if kind == "kernel":
            k = _kernel(plan, n, templates, engine)
            fn = f"f{n}"
            if engine == "numba":
                namespace[fn] = _numba_kernel(k)
                args = [
                    (f"float({x})" if isinstance(x, str) else constant(float(x.value)))
                    if is_scalar
                    else f"{operand(x)}.ravel()"  # (C-contiguous: a copy only if not)
                    for x, is_scalar in zip(k.leaves, k.scalar, strict=True)
                ]
                buffer = reuse if reuse is not None else f"np_empty({shape!r})"
                lines.append(f"    {out_name} = {buffer}")
                outs = [out_name] + [instructions[e].outputs[0] for e in plan.extras.get(n, [])]
                for extra in outs[1:]:
                    lines.append(f"    {extra} = np_empty({shape!r})")
                targets = ", ".join(f"{o}.reshape(-1)" for o in outs)
                lines.append(f"    {fn}({targets}, {', '.join(args)})")
            else:
                namespace[fn] = _numexpr_kernel(k)
                args = [
                    operand(x) if isinstance(x, str) else constant(np.asarray(x.value, _F64))
                    for x in k.leaves
                ]
                if reuse is not None:
                    args.append(f"out={reuse}")
                lines.append(f"    {out_name} = {fn}({', '.join(args)})")
        else:
            # (one name holds a multiple-result primitive's tuple; several names unpack it)
            target = ", ".join(ins.outputs) + ("," if len(ins.outputs) > 1 else "")
            operands = [operand(x) for x in ins.operands]
            template = _OPERATORS.get(ins.primitive.name)
            if ins.primitive.name == "tuple_item" and len(operands) == 1:
                lines.append(f"    {target} = {operands[0]}[{ins.params['index']!r}]")
            elif reuse is not None:
                fn = f"p{n}_" + re.sub(r"\W", "_", ins.primitive.name)
                namespace[fn] = ins.primitive.impl
                lines.append(f"    {target} = {fn}({', '.join(operands)}, out={reuse})")
            elif template is not None and not ins.params and template.count("{}") == len(operands):
                lines.append(f"    {target} = {template.format(*operands)}")
            else:
                impl = ins.primitive.impl
                if ins.params:
                    impl = functools.partial(impl, **ins.params)
                fn = f"p{n}_" + re.sub(r"\W", "_", ins.primitive.name)
                namespace[fn] = impl
                lines.append(f"    {target} = {fn}({', '.join(operands)})")
        dead = [x for x in dying if x != reuse]
        dead += [v for v in ins.outputs if v not in last_use and v not in returned]
        if reuse is not None:
            dead.append(reuse)  # the buffer lives on under its new name
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    result = ", ".join(
        f"{operand(x)}.copy()"
        if isinstance(x, Literal) and type(x.value) is np.ndarray
        else operand(x)
        for x in program.outputs
    )
    source = "\n".join(
        [
            f"def run({', '.join(program.inputs)}):",
            *lines,
            f"    return ({result}{',' if result else ''})",
        ]
    )
    return source + "\n", namespace


def loaded_engines() -> list[str]:
    """The kernel engines this process has imported (for reports).

    >>> isinstance(loaded_engines(), list)
    True
    """
    return [name for name in ("numba", "numexpr") if name in sys.modules]
