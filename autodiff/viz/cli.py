"""``python -m autodiff.viz TARGET -o graph.svg``: render the graph a function returns.

TARGET is ``path/to/script.py:function`` or ``package.module:function``. The function is
called without arguments and returns a Value or Tensor, or a pair ``(output, model)`` to
group the drawing by the model's modules. The script's ``if __name__ == "__main__"``
block does not run.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import runpy
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import DEFAULT_MAX_NODES, DotNotFoundError, render, to_dot
from .dot import RANKDIRS
from .names import names_in

__all__ = ["main", "load_target", "call_with_names", "TargetError"]


def load_target(target: str) -> Any:
    """The function named by ``SCRIPT.py:FUNCTION`` or ``MODULE:FUNCTION``.

    Raises ValueError for a malformed target, FileNotFoundError / ImportError when the
    script or module cannot be loaded, AttributeError when the function is not there,
    TypeError when it is not a function or needs arguments, and TargetError (with the
    script's own error in one line) when loading the script raises.
    """
    where, sep, func = target.rpartition(":")
    if not sep or not where or not func:
        raise ValueError(f"expected SCRIPT.py:FUNCTION or MODULE:FUNCTION, got {target!r}")
    if where.endswith(".py") or os.sep in where or "/" in where:
        path = Path(where)
        if not path.is_file():
            raise FileNotFoundError(f"no such script: {where}")
        sys.path.insert(0, str(path.resolve().parent))
        try:
            namespace = runpy.run_path(str(path), run_name="__autodiff_viz__")
        except SyntaxError as error:
            raise TargetError(f"cannot load {where}: {type(error).__name__}: {error.msg} "
                              f"(line {error.lineno}); fix the script and run again") from None
        except Exception as error:  # the script's own code raised while loading
            raise TargetError(f"cannot load {where}: it raised {_one_line(error, where)}") \
                from None
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            namespace = vars(importlib.import_module(where))
        except ImportError:
            raise
        except Exception as error:
            raise TargetError(f"cannot import {where}: it raised {_one_line(error, None)}") \
                from None
    if func not in namespace:
        raise AttributeError(f"{where} has no function {func!r}")
    fn = namespace[func]
    if not callable(fn):
        raise TypeError(f"{where}:{func} is {type(fn).__name__}, not a function")
    _check_no_arguments(fn, f"{where}:{func}")
    return fn


class TargetError(Exception):
    """The target script or function raised; the message is one line saying what and where."""


def _one_line(error: BaseException, script: str | None) -> str:
    """``Type: message (at file:line)``, the line being the deepest frame in ``script``."""
    text = " ".join(str(error).split()) or "(no message)"
    frames = traceback.extract_tb(error.__traceback__)
    if script is not None:  # the user's line, not the library's
        frames = [f for f in frames if Path(f.filename).resolve() == Path(script).resolve()]
    at = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {text}{at}"


def _check_no_arguments(fn: Any, name: str) -> None:
    where, _, func = name.rpartition(":")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    needed = [p.name for p in sig.parameters.values()
              if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if needed:
        raise TypeError(
            f"{name} takes arguments ({', '.join(needed)}), but the command line calls it with "
            f"none: give them defaults, or add a function without arguments that calls it, "
            f"e.g. 'def graph(): return {func}(...)', and pass {where}:graph")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m autodiff.viz",
        description="Render the computation graph of a function that returns a Value or "
                    "Tensor (or a pair (output, model) to group the drawing by module).")
    p.add_argument("target", help="SCRIPT.py:FUNCTION or package.module:FUNCTION")
    p.add_argument("-o", "--output", default="graph.svg",
                   help="output file: .svg, .png, .pdf (needs graphviz) or .dot (DOT text); "
                        "'-' prints the DOT text (default: graph.svg)")
    p.add_argument("--format", help="output format when the suffix does not say it")
    p.add_argument("--rankdir", default=None, choices=RANKDIRS,
                   help="layout direction (default: chosen from the graph's shape)")
    p.add_argument("--no-data", action="store_true", help="leave out data values")
    p.add_argument("--no-grad", action="store_true", help="leave out gradients")
    p.add_argument("--backward", action="store_true",
                   help="call output.backward() first (a scalar output) to fill the gradients")
    p.add_argument("--grad-flow", action="store_true",
                   help="colour nodes by |grad| on a log scale, with a legend")
    p.add_argument("--max-nodes", type=int, default=DEFAULT_MAX_NODES,
                   help=f"collapse past this many drawn nodes; 0 draws all "
                        f"(default {DEFAULT_MAX_NODES})")
    p.add_argument("--title", help="a caption under the drawing")
    return p


def _fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2 (as argparse's usage errors)."""
    print(f"python -m autodiff.viz: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 graphviz missing).

    Bad input (a target that cannot be loaded, needs arguments or raises, a result that is
    not a graph, ``--backward`` on a non-scalar, a path that cannot be written) prints one
    line on stderr and exits with status 2 (SystemExit), as argparse's usage errors do.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        fn = load_target(args.target)
    except (ValueError, OSError, ImportError, AttributeError, TypeError, TargetError) as error:
        _fail(str(error))
    try:
        result, names = call_with_names(fn)
    except Exception as error:  # the user's function raised: say what and where, no traceback
        _fail(f"{args.target} raised {_one_line(error, args.target.rpartition(':')[0])}")
    model = None
    if isinstance(result, tuple) and len(result) == 2 and hasattr(result[1], "named_children"):
        result, model = result
    if not hasattr(result, "_prev"):
        _fail(f"{args.target} returned {type(result).__name__}; expected a Value or Tensor, "
              "or a pair (output, model)")
    if args.backward:
        _backward(result, args.target)
    options: dict[str, Any] = dict(
        group_by_module=model, rankdir=args.rankdir, show_data=not args.no_data,
        show_grad=not args.no_grad, grad_flow=args.grad_flow,
        max_nodes=args.max_nodes or None, title=args.title, names=names)
    try:
        if args.output == "-":
            sys.stdout.write(to_dot(result, **options))
            return 0
        path = render(result, args.output, format=args.format, **options)
    except DotNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError, RuntimeError) as error:
        _fail(" ".join(str(error).split()))
    print(path)
    return 0


def _backward(result: Any, target: str) -> None:
    shape = getattr(getattr(result, "data", None), "shape", ())
    if shape and int(getattr(result.data, "size", 1)) != 1:
        _fail(f"--backward needs a one-element output, but {target} returned a Tensor of "
              f"shape {tuple(shape)}: return a scalar (e.g. out.sum()) or leave out --backward")
    try:
        result.backward()
    except Exception as error:
        _fail(f"--backward on the output of {target} failed: "
              f"{_one_line(error, target.rpartition(':')[0])}")


def call_with_names(fn: Any) -> tuple[Any, dict[int, str]]:
    """``fn()`` and the names of its local variables that hold graph nodes when it returns.

    The names label the leaves of the drawing (``x``, ``targets[3]``), as ``to_dot`` does
    with the variables of its caller.
    """
    captured: dict[str, Any] = {}
    code = getattr(fn, "__code__", None)

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is code and not captured:
            captured.update(frame.f_locals)

    previous = sys.getprofile()
    sys.setprofile(profile if code is not None else previous)
    try:
        result = fn()
    finally:
        sys.setprofile(previous)
    return result, {name: node for name, node in names_in(captured).items() if not node._op}
