"""Catalogue entries for the window ops: im2col and its adjoint col2im.

Both need a 4-D operand (N, C, H, W) with room for the kernel, so neither has a
shape-agnostic expression; the fuzz applies them to 2-D nodes viewed as one image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from ...ops import col2im, im2col
from ...ops.window import im2col_forward
from ..spec import OpSpec, Sample, rng_of, uniform

if TYPE_CHECKING:  # annotations only: fuzz imports the catalogue
    from ..fuzz import Site, Step


def _geometry(data: Any) -> tuple[tuple[int, ...], dict[str, tuple[int, int]]]:
    """An image shape (N, C, H, W) and kernel/stride/dilation pairs whose windows fit it."""
    pair = st.tuples(st.integers(1, 3), st.integers(1, 3))
    kernel = data.draw(pair, label="kernel")
    stride = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 2)), label="stride")
    dilation = data.draw(st.tuples(st.integers(1, 2), st.integers(1, 2)), label="dilation")
    extra = data.draw(st.tuples(st.integers(0, 3), st.integers(0, 3)), label="extra")
    n, c = data.draw(st.integers(1, 2), label="N"), data.draw(st.integers(1, 2), label="C")
    h, w = (d * (k - 1) + 1 + e for k, d, e in zip(kernel, dilation, extra))
    return (n, c, h, w), {"kernel": kernel, "stride": stride, "dilation": dilation}


def _sample_im2col(data: Any) -> Sample:
    shape, kw = _geometry(data)
    return Sample([uniform(rng_of(data), shape, -2, 2)], lambda t: im2col(t, **kw))


def _sample_col2im(data: Any) -> Sample:
    shape, kw = _geometry(data)
    cols_shape = im2col_forward(np.zeros(shape), **kw).shape
    return Sample([uniform(rng_of(data), cols_shape, -2, 2)],
                  lambda c: col2im(c, shape=shape, **kw))


def _window_of(x: np.ndarray) -> tuple[tuple[int, int, int, int], dict] | None:
    if x.ndim != 2:
        return None
    h, w = x.shape
    kw = {"kernel": (min(2, h), min(2, w)), "stride": (1, 1), "dilation": (1, 1)}
    return (1, 1, h, w), kw


def _fuzz_im2col(site: Site) -> Step | None:
    found = _window_of(site.x)
    if found is None:
        return None
    image, kw = found
    return site.step(lambda t: im2col(t.reshape(image), **kw).reshape(-1))


def _fuzz_col2im(site: Site) -> Step | None:
    """col2im of the operand's own windows: each pixel times the number of windows on it."""
    found = _window_of(site.x)
    if found is None:
        return None
    image, kw = found
    return site.step(lambda t: col2im(im2col(t.reshape(image), **kw), shape=image, **kw)
                     .reshape(t.shape))


SPECS = [
    OpSpec("im2col", _sample_im2col, None, fuzz=_fuzz_im2col),
    OpSpec("col2im", _sample_col2im, None, fuzz=_fuzz_col2im),
]

__all__ = ["SPECS"]
