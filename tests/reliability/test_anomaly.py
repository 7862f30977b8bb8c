"""Anomaly mode: the first op that makes a NaN or an inf, forward or backward, raises.

The error must name the op, its input shapes and value summaries, and the line of the
user's code that created the node. Off, everything follows IEEE arithmetic silently.
"""

from __future__ import annotations

import inspect
import os
import threading
import warnings

import numpy as np
import pytest

import autodiff as ad
from autodiff import anomaly


@pytest.fixture(autouse=True)
def _quiet_and_off():
    """Silence numpy's divide/invalid warnings; make sure anomaly mode ends up off."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
    ad.set_detect_anomaly(False)


def _line() -> int:
    """The line number of the caller (the line that creates the node under test)."""
    return inspect.currentframe().f_back.f_lineno


def _here(line: int) -> str:
    return f"test_anomaly.py:{line}"


# ------------------------------------------------------------------------------ forward
def test_forward_nan_names_op_shapes_values_and_line():
    x = ad.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError) as info:
        line = _line(); x.log()  # noqa: E702 - the line number is the point
    msg = str(info.value)
    assert "forward" in msg and "'log'" in msg
    assert "shape (1, 3)" in msg              # the input's shape
    assert "min -2" in msg and "max 3" in msg  # the input's summary values
    assert "1 NaN" in msg                      # what went wrong in the output
    assert _here(line) in msg                  # the user's line


def test_forward_inf_from_overflow():
    x = ad.tensor([1.0, 800.0], requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError, match=r"'exp'.*1 inf"):
        x.exp()


def test_forward_first_op_is_reported_not_a_later_one():
    x = ad.tensor([0.0, 1.0], requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError) as info:
        y = x * 2.0
        z = 1.0 / y          # first inf: div
        (z * 3.0).exp()      # never reached
    assert "'div'" in str(info.value)


def test_forward_checks_constants_too():
    """A NaN made from data that does not require grad is still reported."""
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError, match="'sqrt'"):
        ad.tensor([-1.0]).sqrt()


def test_forward_matmul_names_both_input_shapes():
    a = ad.tensor(np.full((2, 3), 1e200), requires_grad=True)
    b = ad.tensor(np.full((3, 4), 1e200))
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError) as info:
        a @ b
    msg = str(info.value)
    assert "'matmul'" in msg and "shape (2, 3)" in msg and "shape (3, 4)" in msg


def test_site_inside_a_layer_points_at_the_caller():
    """An op made inside nn code reports the user's line, not a line of the library."""
    from nn.layers import Linear

    layer = Linear(2, 2, rng=0)
    layer.weight.data[:] = 1e308
    x = ad.tensor([[10.0, 10.0]])
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError) as info:
        line = _line(); layer(x)  # noqa: E702
    assert _here(line) in str(info.value)
    assert f"{os.sep}nn{os.sep}" not in str(info.value)  # no line of the nn package


# ------------------------------------------------------------------------------ backward
def test_backward_inf_names_the_vjp_and_creation_line():
    x = ad.tensor([4.0, 0.0], requires_grad=True)
    with ad.detect_anomaly():
        line = _line(); y = x.sqrt()  # noqa: E702 - finite forward: sqrt(0) = 0
        loss = y.sum()
        with pytest.raises(ad.AnomalyError) as info:
            loss.backward()            # d sqrt / dx at 0 is inf
    msg = str(info.value)
    assert "backward" in msg and "'sqrt'" in msg and "input 0" in msg
    assert "shape (2,)" in msg and "1 inf" in msg
    assert _here(line) in msg


def test_backward_nan_from_zero_times_inf():
    x = ad.tensor([0.0], requires_grad=True)
    w = ad.tensor([1e308], requires_grad=True)
    with ad.detect_anomaly():
        y = (x * w * 10.0)   # forward fine: 0
        with pytest.raises(ad.AnomalyError, match="backward.*'mul'"):
            y.sum().backward()  # grad of x: 1e308 * 10 = inf


def test_backward_of_user_op_names_it():
    bad = ad.Op("bad_square", lambda a: a * a, vjps=(lambda g, out, a: g * np.nan,))
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(ad.AnomalyError, match="'bad_square'.*2 NaN"):
        bad(x).sum().backward()


def test_no_false_alarm_from_masked_intermediates_in_a_vjp():
    """pow's exponent VJP takes log(0) = -inf, then masks it: no anomaly, finite grads."""
    a = ad.tensor([0.0, 1.0, 2.0])
    b = ad.tensor([2.0, 3.0, 0.5], requires_grad=True)
    with ad.detect_anomaly():
        (a**b).sum().backward()
    assert np.all(np.isfinite(b.grad))
    np.testing.assert_allclose(b.grad, [0.0, 0.0, 2**0.5 * np.log(2.0)])


def test_second_order_under_anomaly_mode():
    x = ad.tensor([0.5, 1.5], requires_grad=True)
    with ad.detect_anomaly():
        (g,) = ad.grad((x**3).sum(), x, create_graph=True)
        (h,) = ad.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, 6 * x.data)


# ------------------------------------------------------------------------------ switches
def test_off_by_default_and_ieee_results():
    assert not ad.is_anomaly_enabled()
    x = ad.tensor([0.0, -1.0], requires_grad=True)
    y = x.log()
    assert y.data[0] == -np.inf and np.isnan(y.data[1])
    (x * 1.0).sqrt().sum().backward()
    assert x.grad[0] == np.inf


def test_global_switch():
    ad.set_detect_anomaly(True)
    try:
        assert ad.is_anomaly_enabled()
        with pytest.raises(ad.AnomalyError):
            ad.tensor([0.0]).log()
    finally:
        ad.set_detect_anomaly(False)
    assert not ad.is_anomaly_enabled()
    assert ad.tensor([0.0]).log().data[0] == -np.inf


def test_context_restores_previous_state_even_after_an_error():
    with pytest.raises(ad.AnomalyError):
        with ad.detect_anomaly():
            ad.tensor([0.0]).log()
    assert not ad.is_anomaly_enabled() and not anomaly._state.record_sites
    ad.set_detect_anomaly(True)
    with ad.detect_anomaly():
        pass
    assert ad.is_anomaly_enabled()  # nested: the outer (global) setting survives


def test_decorator_form():
    @ad.detect_anomaly()
    def f(x):
        return x.log()

    with pytest.raises(ad.AnomalyError):
        f(ad.tensor([-1.0]))
    assert not ad.is_anomaly_enabled()


def test_anomaly_is_an_arithmetic_error():
    """Callers that catch FloatingPointError (numpy's errstate='raise') catch it too."""
    assert issubclass(ad.AnomalyError, FloatingPointError)


def test_backward_flag_is_per_thread():
    """A backward pass in one thread does not switch off forward checks in another."""
    ad.set_detect_anomaly(True)
    started, release = threading.Event(), threading.Event()
    caught: list[BaseException] = []

    def slow_vjp(g, out, a):
        started.set()
        release.wait(5)
        return g

    slow = ad.Op("slow", lambda a: a, vjps=(slow_vjp,))
    x = ad.tensor([1.0], requires_grad=True)
    worker = threading.Thread(target=lambda: slow(x).sum().backward())
    worker.start()
    try:
        assert started.wait(5)
        try:
            ad.tensor([0.0]).log()  # another thread is inside a backward pass right now
        except ad.AnomalyError as error:
            caught.append(error)
    finally:
        release.set()
        worker.join()
        ad.set_detect_anomaly(False)
    assert len(caught) == 1


# ------------------------------------------------------------------------------ Value graphs
def test_value_forward_anomaly_reported_at_backward():
    a = ad.Value(0.0, label="a")
    b = ad.Value(2.0)
    with ad.detect_anomaly():
        y = a.log() * b + 1.0
        with pytest.raises(ad.AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "forward" in msg and "'log'" in msg and "-inf" in msg and "0.0" in msg
    assert b.grad == 0.0  # raised before any gradient was written


def test_value_backward_anomaly_names_op_and_local_derivative():
    x = ad.Value(0.0, label="x")
    with ad.detect_anomaly():
        y = (x * 1.0) ** 0.5 + x
        with pytest.raises(ad.AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "backward" in msg and "'**0.5'" in msg and "local derivative inf" in msg


def test_value_checked_backward_gives_the_same_gradients():
    def build():
        a, b = ad.Value(1.5), ad.Value(-0.5)
        out = ((a * b).tanh() + (a / b).exp() - b.relu() + (a**2.0).log()).sigmoid()
        return a, b, out

    a1, b1, y1 = build()
    y1.backward()
    a2, b2, y2 = build()
    with ad.detect_anomaly():
        y2.backward()
    assert (a1.grad, b1.grad) == (a2.grad, b2.grad)


def test_detect_anomaly_as_a_decorator_restores_the_mode_after_recursion() -> None:
    @ad.detect_anomaly()
    def depth(n: int) -> bool:
        return depth(n - 1) if n else ad.is_anomaly_enabled()

    assert not ad.is_anomaly_enabled()
    assert depth(3) is True
    assert not ad.is_anomaly_enabled()


def test_interleaved_blocks_in_two_threads_leave_it_off():
    """A enters, B enters, A exits, B exits: afterwards anomaly mode is off everywhere."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def thread_a() -> None:
        with ad.detect_anomaly():
            a_in.set()
            b_in.wait(5)
        seen["a_after"] = ad.is_anomaly_enabled()
        a_out.set()

    def thread_b() -> None:
        a_in.wait(5)
        with ad.detect_anomaly():
            b_in.set()
            a_out.wait(5)
            seen["b_inside_after_a_left"] = ad.is_anomaly_enabled()
        seen["b_after"] = ad.is_anomaly_enabled()

    workers = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    assert seen == {"a_after": False, "b_inside_after_a_left": True, "b_after": False}
    assert not ad.is_anomaly_enabled() and not anomaly._state.record_sites
    assert ad.tensor([0.0]).log().data[0] == -np.inf  # no AnomalyError in this thread


def test_block_in_one_thread_does_not_reach_another():
    inside, checked = threading.Event(), threading.Event()
    other: list[bool] = []

    def worker() -> None:
        inside.wait(5)
        other.append(ad.is_anomaly_enabled())
        other.append(bool(np.isinf(ad.tensor([0.0]).log().data[0])))  # no raise here
        checked.set()

    t = threading.Thread(target=worker)
    t.start()
    with ad.detect_anomaly():
        inside.set()
        checked.wait(5)
    t.join(5)
    assert other == [False, True]


def test_process_default_reaches_threads_outside_a_block():
    results: list[bool] = []
    ad.set_detect_anomaly(True)
    try:
        t = threading.Thread(target=lambda: results.append(ad.is_anomaly_enabled()))
        t.start()
        t.join(5)
        with ad.detect_anomaly():
            pass
        results.append(ad.is_anomaly_enabled())  # the block restores the default, not False
    finally:
        ad.set_detect_anomaly(False)
    assert results == [True, True]
    assert not ad.is_anomaly_enabled()
