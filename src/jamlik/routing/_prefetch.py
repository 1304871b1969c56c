"""A cache prefetch hint for compiled kernels: ``prefetch(array, index)``.

numba has no prefetch of its own, so this is LLVM's ``llvm.prefetch`` intrinsic wrapped as a
numba intrinsic (read, keep in all cache levels, data). It asks the CPU to start loading the
cache line of ``array[index]`` and returns at once; it never faults, so an index past the end is
harmless, and it changes no value. The RAPTOR footpath loop uses it to load the next stops'
footpath lists while it works on the current one (:mod:`jamlik.routing._raptor_kernels`).
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["prefetch"]

_READ = 0
_KEEP_IN_ALL_LEVELS = 3
_DATA = 1


@intrinsic
def prefetch(typingctx: Any, array: Any, index: Any) -> Any:  # pragma: no cover - compiled
    """Hint that ``array[index]`` (a contiguous 1-D array, an integer index) will be read soon."""
    if not isinstance(array, types.Array) or array.ndim != 1 or array.layout not in "CF":
        return None  # the address below assumes a contiguous array
    if not isinstance(index, types.Integer):
        return None
    signature = types.void(array, index)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        array_type = sig.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = builder.gep(view.data, [args[1]])
        byte_pointer_type = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer_type, i32, i32, i32])
        function = cgutils.get_or_insert_function(
            builder.module, function_type, "llvm.prefetch.p0i8"
        )
        flags = [ir.Constant(i32, flag) for flag in (_READ, _KEEP_IN_ALL_LEVELS, _DATA)]
        builder.call(function, [builder.bitcast(pointer, byte_pointer_type), *flags])
        return context.get_dummy_value()

    return signature, codegen
