"""``python -m autodiff.viz TARGET -o graph.svg``: render the graph a function returns.

TARGET is ``path/to/script.py:function`` or ``package.module:function``. The function is
called without arguments and returns a Value or Tensor, or a pair ``(output, model)`` to
group the drawing by the model's modules. The script's ``if __name__ == "__main__"``
block does not run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import runpy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import DEFAULT_MAX_NODES, DotNotFoundError, render, to_dot
from .dot import RANKDIRS

__all__ = ["main", "load_target"]


def load_target(target: str) -> Any:
    """The function named by ``SCRIPT.py:FUNCTION`` or ``MODULE:FUNCTION``.

    Raises ValueError for a malformed target, FileNotFoundError / ImportError when the
    script or module cannot be loaded, AttributeError when the function is not there.
    """
    where, sep, func = target.rpartition(":")
    if not sep or not where or not func:
        raise ValueError(f"expected SCRIPT.py:FUNCTION or MODULE:FUNCTION, got {target!r}")
    if where.endswith(".py") or os.sep in where or "/" in where:
        path = Path(where)
        if not path.is_file():
            raise FileNotFoundError(f"no such script: {where}")
        sys.path.insert(0, str(path.resolve().parent))
        namespace = runpy.run_path(str(path), run_name="__autodiff_viz__")
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        namespace = vars(importlib.import_module(where))
    if func not in namespace:
        raise AttributeError(f"{where} has no function {func!r}")
    fn = namespace[func]
    if not callable(fn):
        raise TypeError(f"{where}:{func} is {type(fn).__name__}, not a function")
    return fn


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
    p.add_argument("--rankdir", default="LR", choices=RANKDIRS, help="layout direction")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 graphviz missing, 2 bad input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        fn = load_target(args.target)
    except (ValueError, OSError, ImportError, AttributeError, TypeError) as error:
        parser.error(str(error))
    result = fn()
    model = None
    if isinstance(result, tuple) and len(result) == 2 and hasattr(result[1], "named_children"):
        result, model = result
    if not hasattr(result, "_prev"):
        parser.error(f"{args.target} returned {type(result).__name__}; expected a Value or "
                     "Tensor, or a pair (output, model)")
    if args.backward:
        result.backward()
    options: dict[str, Any] = dict(
        group_by_module=model, rankdir=args.rankdir, show_data=not args.no_data,
        show_grad=not args.no_grad, grad_flow=args.grad_flow,
        max_nodes=args.max_nodes or None, title=args.title)
    try:
        if args.output == "-":
            sys.stdout.write(to_dot(result, **options))
            return 0
        path = render(result, args.output, format=args.format, **options)
    except DotNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        parser.error(str(error))
    print(path)
    return 0
