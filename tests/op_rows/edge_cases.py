"""Op-table rows for cases a held-out conformance suite found: the spread of one value per
group, stacking the rows of an array, and scipy.special functions of integer order or sign."""

import numpy as np

from tests.op_table import OpCase

try:
    import scipy.special as sc
except ImportError:  # pragma: no cover - SciPy is optional
    sc = None

ROWS = [
    # std over groups of one value is 0 for every input: derivative 0, not 0/0
    OpCase("std[one per group]", lambda x: np.std(x, axis=0), shapes=[(1, 3)]),
    OpCase("std[scalar]", np.std, shapes=[()]),
    # NumPy stacks the rows of an array passed instead of a sequence
    OpCase("vstack[rows of an array]", np.vstack, shapes=[(2,), (2, 3)], complex=True),
    OpCase("hstack[rows of an array]", np.hstack, shapes=[(2, 3)]),
    OpCase("column_stack[rows of an array]", np.column_stack, shapes=[(2, 3)]),
]
if sc is not None:
    ROWS += [
        OpCase("special.yn", lambda x: sc.yn(2, x), domain=(0.5, 6.0), dtypes=("float64",)),
        OpCase("special.gammasgn", sc.gammasgn, domain=(0.3, 2.0), dtypes=("float64",)),
    ]
