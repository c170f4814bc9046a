"""How tracers reach the NumPy front end: its entry points, registered with the engine."""

from __future__ import annotations

from ..core import register_front_end
from ..ops.updates import IndexUpdateHelper
from ..transforms.control import stop_gradient_p
from . import mutation, view_functions
from .dispatch import array_function, array_ufunc, ufunc_primitives
from .lists import install as install_list_hooks
from .lists import uninstall as remove_list_hooks
from .mutation import fill, getitem, inplace, setitem, sort


def register() -> None:
    """Fill the dispatch tables for NumPy's writing and view functions, and hand the engine
    the front end's entry points and its ufunc -> primitive table."""
    mutation.register()
    view_functions.install()
    register_front_end(
        ufunc_primitives(),
        array_ufunc=array_ufunc,
        array_function=array_function,
        getitem=getitem,
        setitem=setitem,
        inplace=inplace,
        fill=fill,
        sort=sort,
        index_update=IndexUpdateHelper,
        stop_gradient=stop_gradient_p,
        tracing_started=install_list_hooks,
        tracing_stopped=remove_list_hooks,
    )
