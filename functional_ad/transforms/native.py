"""Fused kernels as machine code: compiled once by numba, kept on disk, loaded with llvmlite.

``fused`` writes each kernel as numba source: a C-callable loop over float64 buffers. The
first process that needs a kernel compiles it with numba and keeps the object code in the
cache directory; that process and every later one load the object code with llvmlite alone
(numba's own dependency), so a process whose kernels are all cached never imports numba and
its first compiled call costs milliseconds instead of numba's start-up (about 0.4 s).

Beside the loop, the object code holds its entry point from Python, written here in LLVM IR:
a ``METH_FASTCALL`` function that reads each array's data pointer from the ndarray struct,
checks that the array is native float64, 1-d, C-contiguous, of the loop's length (and
writeable for an output), releases the GIL around the loop and returns ``None`` (it raises
``ValueError`` on a failed check). A call costs 0.08 µs, against 0.3 µs for numba's dispatch.
``fused`` passes its arrays ``ravel``-ed. Python's functions and objects it uses come from a
table the loader fills, not from symbols.

Object code is keyed by the kernel's source and its entry point's, the CPU (name and
features), llvmlite's and Python's versions and NumPy's major version, and loaded only where
it is an ELF object (Linux) whose every external symbol (the C library's ``sin``,
``cos``...) this process defines. Elsewhere ``load`` returns ``None`` and ``fused`` compiles
with numba's ``njit``.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# the ndarray struct (NumPy's PyArrayObject_fields) after the object header: the data pointer,
# then nd, the dimensions pointer, the dtype and the flags; and in the dtype (PyArray_Descr)
# its type character and byte order
_DATA, _ND, _DIMENSIONS, _DESCR, _FLAGS = 0, 8, 16, 40, 48
_TYPE, _BYTEORDER = 9, 10
_C_CONTIGUOUS, _WRITEABLE = 0x1, 0x400
_METH_FASTCALL = 0x80
_lock = threading.Lock()
_LOADED: dict[str, Callable[..., None]] = {}


class _Jit:
    """This process's llvmlite: the target machine of the host and one execution engine."""

    def __init__(self) -> None:
        import llvmlite
        import llvmlite.binding as llvm

        # where the ndarray's fields are: checked on two arrays before any kernel trusts them
        self.header = header = object.__basicsize__
        for probe in (np.empty(3), np.empty(5)[::2]):
            at = id(probe) + header
            fields = (
                ctypes.c_void_p.from_address(at + _DATA).value,
                ctypes.c_int.from_address(at + _ND).value,
                ctypes.c_int.from_address(at + _FLAGS).value,
            )
            # (the pointers are followed only once the fields around them are right)
            if fields != (probe.ctypes.data, 1, probe.flags.num) or ctypes.c_int64.from_address(
                ctypes.c_void_p.from_address(at + _DIMENSIONS).value or 0
            ).value != len(probe):
                raise RuntimeError("this NumPy lays its arrays out otherwise")
            descr = (ctypes.c_void_p.from_address(at + _DESCR).value or 0) + header
            if (descr - header, ctypes.string_at(descr + _TYPE, 2)) != (id(probe.dtype), b"d="):
                raise RuntimeError("this NumPy lays its dtypes out otherwise")
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        self.llvm = llvm
        cpu, features = llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()
        target = llvm.Target.from_default_triple()
        self.machine = target.create_target_machine(cpu=cpu, features=features, opt=3, jit=True)
        self.engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), self.machine)
        self.key = (
            f"{llvm.get_default_triple()} {cpu} {features} llvmlite {llvmlite.__version__} "
            f"{sys.implementation.cache_tag} header {header} numpy {np.__version__.split('.')[0]}"
        )


_jit: _Jit | None = None
_jit_failed = False


def _the_jit() -> _Jit | None:
    global _jit, _jit_failed
    if _jit is None and not _jit_failed:
        try:
            if not sys.platform.startswith("linux"):
                raise RuntimeError("object code is loaded on Linux only")
            _jit = _Jit()
        except Exception:  # no llvmlite (numba absent), another platform: numba's njit
            _jit_failed = True
    return _jit


def load(
    source: str, outputs: int, scalar: list[bool], directory: Path | None
) -> Callable[..., None] | None:
    """The kernel of ``source`` as ``kernel(out, ..., x0, x1, ...)``, or ``None``.

    ``source`` defines ``kernel`` with numba's ``cfunc``: ``outputs`` float64 pointers, then
    per input a float64 pointer (an array) or a float64 (``scalar``), then the length. The
    callable takes 1-d C-contiguous native float64 arrays of one length for the pointers
    (raising ``ValueError`` for another dtype, shape or layout, or a read-only output) and
    floats for the rest. ``None`` where object code cannot be loaded (not Linux, no llvmlite).

    >>> source = \'\'\'
    ... from numba import carray, cfunc, types
    ... P = types.CPointer(types.float64)
    ... @cfunc(types.void(P, P, types.float64, types.intp), error_model="numpy")
    ... def kernel(out_, x0_, x1, n):
    ...     out, x0 = carray(out_, n), carray(x0_, n)
    ...     for i in range(n):
    ...         out[i] = x0[i] * x1
    ... \'\'\'
    >>> import numpy as np
    >>> kernel = load(source, 1, [False, True], None)
    >>> out = np.empty(3)
    >>> kernel is None or (kernel(out, np.arange(3.0), 2.0), out)[1].tolist() == [0.0, 2.0, 4.0]
    True
    """
    jit = _the_jit()
    if jit is None:
        return None
    kinds = "o" * outputs + "".join("s" if s else "a" for s in scalar)
    entry = _entry_ir("entry", "loop", kinds, jit.header)  # (its text keys the cache too)
    digest = hashlib.sha256(f"{jit.key}\n{entry}\n{source}".encode()).hexdigest()[:24]
    with _lock:
        kernel = _LOADED.get(digest)
        if kernel is None:
            address = _address(jit, source, kinds, digest, directory)
            if address is None:
                return None
            kernel = _python_function(address, digest)
            _LOADED[digest] = kernel
    return kernel


def _address(jit: _Jit, source: str, kinds: str, digest: str, directory: Path | None) -> int | None:
    """Where the kernel's entry point is: its object code from the cache, else compiled now."""
    name = f"functional_ad_kernel_{digest}"
    path = None if directory is None else directory / f"{name}.o"
    code = None
    if path is not None and path.exists():
        # (the object code, then its SHA-256: a damaged file is compiled again, never run)
        stored = path.read_bytes()
        if hashlib.sha256(stored[:-32]).digest() == stored[-32:]:
            code = stored[:-32]
    if code is None or _external_symbols(code) is None:
        try:
            code = _compile(jit, source, kinds, name)
        except Exception:  # (numba's njit reports what numba itself cannot compile)
            return None
        if path is not None:
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            try:
                temporary.write_bytes(code + hashlib.sha256(code).digest())
                os.replace(temporary, path)
            except OSError:  # (a full disk: this process runs the kernel all the same)
                with contextlib.suppress(OSError):
                    temporary.unlink()
    needed = _external_symbols(code)
    if needed is None or any(jit.llvm.address_of_symbol(s) is None for s in needed):
        return None  # a symbol this process does not define: the call would jump nowhere
    jit.engine.add_object_file(jit.llvm.ObjectFileRef.from_data(code))
    jit.engine.finalize_object()
    table = jit.engine.get_global_value_address(f"{name}_entry_api")
    entry = jit.engine.get_function_address(f"{name}_entry")
    if not (table and entry):
        return None
    values = _api_table()
    slots = (ctypes.c_void_p * len(values)).from_address(table)
    for i, value in enumerate(values):
        slots[i] = value
    return entry


def _compile(jit: _Jit, source: str, kinds: str, name: str) -> bytes:
    """Compile ``source`` with numba; the object code of its loop and of the entry point.

    The loop is numba's inner function, whose convention is ``int32 f(void *result, void
    *exception, arguments...)`` returning 0 on success; numba's C wrapper around it, which
    reports exceptions through numba's runtime, is dropped (with ``error_model="numpy"`` a
    float loop raises none).
    """
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    wrapper = namespace["kernel"]
    llvm = jit.llvm
    module = llvm.parse_assembly(wrapper.inspect_llvm())
    inner = wrapper.native_name.removeprefix("cfunc.")
    if not any(f.name == inner and not f.is_declaration for f in module.functions):
        raise RuntimeError(f"numba's code for a kernel has no function {inner!r}")
    module.link_in(llvm.parse_assembly(_entry_ir(f"{name}_entry", inner, kinds, jit.header)))
    for function in module.functions:
        if not function.is_declaration and function.name != f"{name}_entry":
            function.linkage = "internal"
    for variable in module.global_variables:
        if not variable.is_declaration and variable.name != f"{name}_entry_api":
            variable.linkage = "internal"
    passes = llvm.create_new_module_pass_manager()
    passes.add_global_dead_code_eliminate_pass()
    passes.add_strip_dead_prototype_pass()
    passes.run(module, llvm.create_pass_builder(jit.machine, llvm.create_pipeline_tuning_options()))
    return bytes(jit.machine.emit_object(module))


# what an entry point calls and raises: addresses in a table the loader fills, so that the
# object code names no symbol of Python's (numba, once imported, redefines some of them)
_API = (
    "PyFloat_AsDouble",
    "PyErr_Occurred",
    "PyErr_SetObject",
    "PyEval_SaveThread",
    "PyEval_RestoreThread",
    "Py_IncRef",
)
_MESSAGES = {
    "bad": "fused kernel: an array argument is not native float64, 1-d, C-contiguous, of the "
    "output's length",
    "readonly": "fused kernel: an output array is read-only",
    "failed": "fused kernel: the loop failed",
}
_OBJECTS: tuple[Any, ...] = (None, ValueError, RuntimeError, *_MESSAGES.values())
_SLOT = {
    name: i for i, name in enumerate([*_API, "None", "ValueError", "RuntimeError", *_MESSAGES])
}


def _api_table() -> list[int]:
    """The entries of an entry point's table: C functions of Python's, then objects."""
    functions = [ctypes.cast(getattr(ctypes.pythonapi, f), ctypes.c_void_p).value for f in _API]
    return [*functions, *(id(x) for x in _OBJECTS)]  # type: ignore[list-item]


def _entry_ir(entry: str, loop: str, kinds: str, header: int) -> str:
    """LLVM IR of ``PyObject *entry(PyObject *self, PyObject *const *args, Py_ssize_t n)``.

    ``kinds`` has a letter per argument: ``o`` an output array, ``a`` an input array, ``s`` a
    float. Arrays are checked (native float64, 1-d, C-contiguous, the first one's length;
    outputs writeable) before the loop runs without the GIL. Python's functions and objects
    are read from the table ``{entry}_api`` (``_api_table``), which the loader fills.
    """

    def api(name: str, tag: str) -> str:
        return (
            f"  %{tag}.at = getelementptr inbounds [{len(_SLOT)} x ptr], ptr @{entry}_api, "
            f"i64 0, i64 {_SLOT[name]}\n  %{tag} = load ptr, ptr %{tag}.at"
        )

    def raise_(label: str, error: str) -> list[str]:
        return [
            f"{label}:",
            api("PyErr_SetObject", f"{label}.set"),
            api(error, f"{label}.type"),
            api(label, f"{label}.message"),
            f"  call void %{label}.set(ptr %{label}.type, ptr %{label}.message)",
            "  ret ptr null",
        ]

    arguments = ", ".join("double" if k == "s" else "ptr" for k in kinds)
    lines = [
        f"declare i32 @{loop}(ptr, ptr, {arguments}, i64)",
        f"@{entry}_api = global [{len(_SLOT)} x ptr] zeroinitializer",
        "",
        f"define ptr @{entry}(ptr %self, ptr %args, i64 %nargs) {{",
        "start:",
        "  %slots = alloca [2 x i64], align 8",
        f"  %count = icmp eq i64 %nargs, {len(kinds)}",
        "  br i1 %count, label %arg0, label %bad",
    ]
    values = []
    for i, kind in enumerate(kinds):
        lines += [
            f"arg{i}:",
            f"  %p{i} = getelementptr inbounds ptr, ptr %args, i64 {i}",
            f"  %x{i} = load ptr, ptr %p{i}",
        ]
        after = f"arg{i + 1}" if i + 1 < len(kinds) else "run"
        if kind == "s":
            lines += [
                api("PyFloat_AsDouble", f"float{i}"),
                f"  %v{i} = call double %float{i}(ptr %x{i})",
                f"  %m{i} = fcmp oeq double %v{i}, -1.0",
                f"  br i1 %m{i}, label %check{i}, label %{after}",
                f"check{i}:",
                api("PyErr_Occurred", f"occurred{i}"),
                f"  %e{i} = call ptr %occurred{i}()",
                f"  %raised{i} = icmp ne ptr %e{i}, null",
                f"  br i1 %raised{i}, label %raised, label %{after}",
            ]
            values.append(f"double %v{i}")
            continue
        mask = _C_CONTIGUOUS | (_WRITEABLE if kind == "o" else 0)
        lines += [
            f"  %ndp{i} = getelementptr inbounds i8, ptr %x{i}, i64 {header + _ND}",
            f"  %nd{i} = load i32, ptr %ndp{i}",
            f"  %one{i} = icmp eq i32 %nd{i}, 1",
            f"  br i1 %one{i}, label %shape{i}, label %bad",
            f"shape{i}:",
            f"  %dp{i} = getelementptr inbounds i8, ptr %x{i}, i64 {header + _DIMENSIONS}",
            f"  %dims{i} = load ptr, ptr %dp{i}",
            f"  %len{i} = load i64, ptr %dims{i}",
            f"  %fp{i} = getelementptr inbounds i8, ptr %x{i}, i64 {header + _FLAGS}",
            f"  %flags{i} = load i32, ptr %fp{i}",
            f"  %c{i} = and i32 %flags{i}, {_C_CONTIGUOUS}",
            f"  %contiguous{i} = icmp ne i32 %c{i}, 0",
            f"  %same{i} = icmp eq i64 %len{i}, %len0",
            f"  %fits{i} = and i1 %contiguous{i}, %same{i}",
            f"  br i1 %fits{i}, label %dtype{i}, label %bad",
            f"dtype{i}:",
            f"  %descrp{i} = getelementptr inbounds i8, ptr %x{i}, i64 {header + _DESCR}",
            f"  %descr{i} = load ptr, ptr %descrp{i}",
            f"  %typep{i} = getelementptr inbounds i8, ptr %descr{i}, i64 {header + _TYPE}",
            f"  %type{i} = load i8, ptr %typep{i}",
            f"  %orderp{i} = getelementptr inbounds i8, ptr %descr{i}, i64 {header + _BYTEORDER}",
            f"  %order{i} = load i8, ptr %orderp{i}",
            f"  %d{i} = icmp eq i8 %type{i}, {ord('d')}",  # float64
            f"  %native{i} = icmp eq i8 %order{i}, {ord('=')}",
            f"  %double{i} = and i1 %d{i}, %native{i}",
            f"  br i1 %double{i}, label %write{i}, label %bad",
            f"write{i}:",
            f"  %w{i} = and i32 %flags{i}, {mask}",
            f"  %ok{i} = icmp eq i32 %w{i}, {mask}",
            f"  %datap{i} = getelementptr inbounds i8, ptr %x{i}, i64 {header + _DATA}",
            f"  %v{i} = load ptr, ptr %datap{i}",
            f"  br i1 %ok{i}, label %{after}, label %readonly",
        ]
        values.append(f"ptr %v{i}")
    lines += [
        "run:",
        "  %exception = getelementptr inbounds i64, ptr %slots, i64 1",
        api("PyEval_SaveThread", "save"),
        api("PyEval_RestoreThread", "restore"),
        "  %thread = call ptr %save()",
        f"  %status = call i32 @{loop}(ptr %slots, ptr %exception, {', '.join(values)}, i64 %len0)",
        "  call void %restore(ptr %thread)",
        "  %done = icmp eq i32 %status, 0",
        "  br i1 %done, label %none, label %failed",
        "none:",
        api("Py_IncRef", "incref"),
        api("None", "none.object"),
        "  call void %incref(ptr %none.object)",
        "  ret ptr %none.object",
        *raise_("bad", "ValueError"),
        *raise_("readonly", "ValueError"),
        *raise_("failed", "RuntimeError"),
        "raised:",
        "  ret ptr null",
        "}",
    ]
    return "\n".join(lines) + "\n"


class _MethodDef(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("method", ctypes.c_void_p),
        ("flags", ctypes.c_int),
        ("doc", ctypes.c_char_p),
    ]


_DEFINITIONS: list[_MethodDef] = []  # (a function's definition must outlive it: forever)


def _python_function(address: int, digest: str) -> Callable[..., None]:
    """The builtin function whose C implementation is the entry point at ``address``."""
    definition = _MethodDef(f"kernel_{digest}".encode(), address, _METH_FASTCALL, None)
    _DEFINITIONS.append(definition)
    new = ctypes.pythonapi.PyCFunction_NewEx
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.py_object, ctypes.py_object]
    return new(ctypes.addressof(definition), None, None)  # type: ignore[no-any-return]


def _external_symbols(code: bytes) -> list[str] | None:
    """The names an ELF64 little-endian object uses and does not define; ``None`` if ``code``
    is not such an object."""
    if len(code) < 64 or code[:6] != b"\x7fELF\x02\x01":
        return None
    try:
        return _undefined(code)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError):  # a damaged file
        return None


def _undefined(code: bytes) -> list[str]:
    (section_offset,) = struct.unpack_from("<Q", code, 0x28)
    entry_size, count = struct.unpack_from("<HH", code, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", code, section_offset + i * entry_size)
        for i in range(count)
    ]
    names = []
    for _, kind, _, _, offset, size, link, _, _, symbol_size in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strings = sections[link][4]
        for start in range(offset + symbol_size, offset + size, symbol_size):
            name_at, _, _, section = struct.unpack_from("<IBBH", code, start)
            if section == 0 and name_at:  # undefined
                end = code.index(b"\0", strings + name_at)
                names.append(code[strings + name_at : end].decode())
    return names
