"""Catalogue entries for the elementwise ops: functions, activations, maximum/minimum, clip,
where and astype."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ...creation import maximum, minimum, where
from ..spec import Expression, OpSpec, Sample, rng_of, shapes, uniform

if TYPE_CHECKING:  # annotations only: fuzz imports the catalogue
    from ..fuzz import Site, Step


def _unary(fn: Any, lo: float, hi: float, away: tuple[float, ...] = ()) -> Any:
    """A sampler for a one-input op: any shape, values in [lo, hi] clear of ``away``."""

    def sample(data: Any) -> Sample:
        (shape,), _ = shapes(data, 1)
        return Sample([uniform(rng_of(data), shape, lo, hi, away)], fn)

    return sample


def _method(name: str, *args: Any) -> Any:
    return lambda t: getattr(t, name)(*args)


def _fuzz_exp(name: str) -> Any:
    def fuzz(site: Site) -> Step | None:
        if np.all(np.abs(site.x) < 3.0):
            return site.step(_method(name))
        return site.step(lambda t: getattr(t.tanh(), name)())

    return fuzz


def _fuzz_mapped(fn: Any) -> Any:
    """The fuzz form of an op applied to its operand mapped into the domain."""
    return lambda site: site.step(fn)


def _sample_leaky_relu(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    slope = data.draw(st.sampled_from([0.01, 0.2, -0.5, 2.0]), label="slope")
    return Sample([uniform(rng_of(data), shape, -2, 2, (0.0,))], lambda x: x.leaky_relu(slope))


def _fuzz_leaky_relu(site: Site) -> Step | None:
    slope = site.pick([0.01, 0.2, -0.5])
    return site.step(lambda t: t.leaky_relu(slope)) if site.far(0.0) else None


def _sample_clip(data: Any) -> Sample:
    (shape,), _ = shapes(data, 1)
    lo = data.draw(st.one_of(st.none(), st.sampled_from([-1.0, -0.3, 0.0])), label="lo")
    hi = data.draw(st.one_of(st.none(), st.sampled_from([0.25, 1.0])), label="hi")
    assume(lo is not None or hi is not None)
    edges = tuple(e for e in (lo, hi) if e is not None)
    return Sample([uniform(rng_of(data), shape, -2, 2, edges)], lambda x: x.clip(lo, hi))


def _fuzz_clip(site: Site) -> Step | None:
    lo, hi = site.pick([(-0.5, 0.5), (None, 0.3), (-0.2, None), (-1.0, 1.0)])
    kinks = [k for k in (lo, hi) if k is not None]
    return site.step(lambda t: t.clip(lo, hi)) if site.far(*kinks) else None


def _sample_extremum(fn: Any) -> Any:
    def sample(data: Any) -> Sample:
        (sa, sb), result = shapes(data, 2)
        rng = rng_of(data)
        a, b = uniform(rng, sa, -2, 2), uniform(rng, sb, -2, 2)
        assume(np.all(np.abs(np.broadcast_to(a, result) - np.broadcast_to(b, result)) > 0.05))
        return Sample([a, b], fn)

    return sample


def _fuzz_extremum(fn: Any) -> Any:
    def fuzz(site: Site) -> Step | None:
        b = site.partner(lambda v: site.broadcastable(v) and site.far(0.0, x=site.x - v))
        if b is not None:
            return site.step(fn, b)
        c = float(site.rng.uniform(-1, 1))
        return site.step(lambda t: fn(t, c)) if site.far(c) else None

    return fuzz


def _sample_where(data: Any) -> Sample:
    (sc, sa, sb), _ = shapes(data, 3)
    rng = rng_of(data)
    cond = rng.random(sc) < 0.5
    return Sample([uniform(rng, sa, -2, 2), uniform(rng, sb, -2, 2)],
                  lambda a, b: where(cond, a, b))


def _where_broadcast(rng: np.random.Generator) -> Sample:
    cond = rng.random((2, 3)) > 0.5
    return Sample([uniform(rng, (2, 3), -2, 2), uniform(rng, (3,), -2, 2)],
                  lambda a, b: where(cond, a, b))


def _fuzz_where(site: Site) -> Step | None:
    cond = site.rng.random(site.x.shape) < 0.5
    b = site.partner(site.broadcastable)
    if b is not None:
        return site.step(lambda t, u: where(cond, t, u), b)
    return site.step(lambda t: where(cond, t, 0.25))


def _spec(name: str, lo: float, hi: float, expression: Expression | None, *,
          fuzz: Any = None, kinks: tuple[float, ...] = (), value: str | None = None) -> OpSpec:
    """An elementwise one-input op called as the Tensor method ``name``."""
    return OpSpec(name, _unary(_method(name), lo, hi, kinks), expression, smooth=not kinks,
                  kinks=kinks, fuzz=fuzz, value=value)


def _kink_fuzz(name: str) -> Any:
    return lambda site: site.step(_method(name)) if site.far(0.0) else None


SPECS = [
    _spec("exp", -2, 2, Expression(1, lambda a: a.tanh().exp(), "exp(tanh({0}))"),
          fuzz=_fuzz_exp("exp"), value="exp"),
    _spec("log", 0.2, 3, Expression(1, lambda a: (a * a + 1.0).log(), "log({0}*{0} + 1)"),
          fuzz=_fuzz_mapped(lambda t: (t * t + 0.5).log()), value="log"),
    _spec("log1p", -0.7, 3, Expression(1, lambda a: (a * a).log1p(), "log1p({0}*{0})")),
    _spec("expm1", -2, 2, Expression(1, lambda a: a.tanh().expm1(), "expm1(tanh({0}))"),
          fuzz=_fuzz_exp("expm1")),
    _spec("sqrt", 0.2, 3, Expression(1, lambda a: (a * a + 1.0).sqrt(), "sqrt({0}*{0} + 1)"),
          fuzz=_fuzz_mapped(lambda t: (t * t + 0.25).sqrt())),
    _spec("sin", -3, 3, Expression(1, _method("sin"), "sin({0})")),
    _spec("cos", -3, 3, Expression(1, _method("cos"), "cos({0})")),
    _spec("tanh", -3, 3, Expression(1, _method("tanh"), "tanh({0})"), value="tanh"),
    _spec("sigmoid", -5, 5, Expression(1, _method("sigmoid"), "sigmoid({0})"), value="sigmoid"),
    _spec("softplus", -5, 5, Expression(1, _method("softplus"), "softplus({0})")),
    _spec("relu", -2, 2, Expression(1, _method("relu"), "relu({0})"), kinks=(0.0,),
          fuzz=_kink_fuzz("relu"), value="relu"),
    _spec("abs", -2, 2, Expression(1, _method("abs"), "abs({0})"), kinks=(0.0,),
          fuzz=_kink_fuzz("abs"), value="abs"),
    OpSpec("leaky_relu", _sample_leaky_relu,
           Expression(1, _method("leaky_relu", 0.1), "leaky_relu({0}, 0.1)"),
           smooth=False, kinks=(0.0,), fuzz=_fuzz_leaky_relu),
    OpSpec("clip", _sample_clip, Expression(1, lambda a: a.clip(-1.0, 1.0), "clip({0}, -1, 1)"),
           smooth=False, fuzz=_fuzz_clip),
    OpSpec("maximum", _sample_extremum(maximum),
           Expression(2, maximum, "maximum({0}, {1})"), smooth=False,
           fuzz=_fuzz_extremum(maximum)),
    OpSpec("minimum", _sample_extremum(minimum),
           Expression(2, minimum, "minimum({0}, {1})"), smooth=False,
           fuzz=_fuzz_extremum(minimum)),
    # where's condition is a constant mask shaped like its operand: the fuzz draws one
    OpSpec("where", _sample_where, None, fuzz=_fuzz_where,
           examples={"broadcast": _where_broadcast}),
    # astype to the operand's own dtype is the identity in a graph; the fuzz uses it so
    OpSpec("astype", _unary(lambda x: x.astype(np.float64), -2, 2), None,
           fuzz=_fuzz_mapped(lambda t: t.astype(t.dtype))),
]

__all__ = ["SPECS"]
