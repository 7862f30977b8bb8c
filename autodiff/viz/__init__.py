"""Draw computation graphs of Values and Tensors with graphviz.

``to_dot(root)`` returns DOT text and needs no graphviz binary; ``draw_dot(root)`` returns a
``graphviz.Digraph`` (shown inline in Jupyter); ``render(root, "out/graph.svg")`` runs the
``dot`` binary and writes SVG, PNG or PDF. From a shell::

    python -m autodiff.viz examples/render_graph.py:neuron -o out/neuron.svg
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphviz

from .dot import DEFAULT_MAX_NODES, build_lines

__all__ = ["to_dot", "draw_dot", "render", "DotNotFoundError", "GraphDrawing", "FORMATS",
           "DEFAULT_MAX_NODES"]

FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "json", "dot", "plain")

INSTALL_HINT = (
    "install graphviz, which provides it: 'sudo apt-get install graphviz' (Debian/Ubuntu), "
    "'brew install graphviz' (macOS) or 'conda install -c conda-forge graphviz'; then check "
    "that 'dot -V' works. to_dot() needs no binary and returns the DOT text."
)


class DotNotFoundError(graphviz.ExecutableNotFound):
    """The graphviz ``dot`` binary could not be run (a RuntimeError saying how to install it)."""

    def __init__(self, binary: str = "dot") -> None:
        RuntimeError.__init__(self, f"cannot render: the graphviz executable {binary!r} was not "
                                    f"found; {INSTALL_HINT}")


@contextlib.contextmanager
def _install_hint() -> Iterator[None]:
    """Turn graphviz's bare ExecutableNotFound into a DotNotFoundError with install commands."""
    try:
        yield
    except graphviz.ExecutableNotFound as error:
        if isinstance(error, DotNotFoundError):
            raise
        raise DotNotFoundError() from error


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering says how to install graphviz when it is missing."""

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        """``graphviz.Digraph.pipe``; raises DotNotFoundError when ``dot`` is missing."""
        with _install_hint():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        """``graphviz.Digraph.render``; raises DotNotFoundError when ``dot`` is missing."""
        with _install_hint():
            return super().render(*args, **kwargs)


def _check_format(fmt: str, where: str) -> str:
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise ValueError(f"{where}: format must be one of {FORMATS}, got {fmt!r}")
    return fmt


def to_dot(root: Any, *, params: Any = None, group_by_module: Any = None,
           rankdir: str | None = None,
           show_data: bool = True, show_grad: bool = True,
           max_nodes: int | None = DEFAULT_MAX_NODES, grad_flow: bool = False,
           diagnosis: Any = None, title: str | None = None, names: Any = True) -> str:
    """The DOT source of the graph that produced ``root`` (no graphviz binary needed).

    ``root``: a Value or Tensor (or a list of them, drawn together). Each Value is a record
    ``{ label | data | grad }`` fed by an op node (micrograd's drawing); each Tensor a record
    with name, shape and dtype, and data/grad summaries (the values when small). Leaves
    that require grad (or are named in ``params`` / ``group_by_module``) are parameters,
    drawn blue with a thick border; the output is drawn orange with a double border.

    ``params``: dict name -> parameter, (name, parameter) pairs, or parameters: names drawn
    on the records. ``group_by_module``: an ``nn.Module``; names come from its
    ``named_parameters()`` and nodes are drawn inside nested clusters (network > layer >
    neuron). ``rankdir``: "LR", "TB", "RL" or "BT" (used as given), or None (default) to
    choose from the graph's shape: left to right for a small scalar graph (micrograd's
    drawing), else top to bottom unless left to right is clearly squarer; a long strip
    without clusters is folded into bands side by side (see ``autodiff.viz.shape``).
    ``show_data`` / ``show_grad``: include those fields. ``max_nodes``: past this many
    drawn nodes, a scalar model applied sample by sample is drawn for one sample (the
    rest of the batch in one box), module clusters become summary boxes, chains of
    single-input ops fold, and the nodes farthest from the output are hidden in one box,
    and the drawing says what it hid (an int >= 10; None draws all).
    ``grad_flow``: colour records by |grad| (mean |grad| for tensors) on a log scale, with a
    legend. ``diagnosis``: a report with ``.bad_nodes`` or ``.nodes`` (e.g. from
    ``ad.diagnose``) or an iterable of nodes; those are drawn red. ``title``: a caption.
    ``names``: names for nodes that have no ``label`` / ``name`` of their own and are not
    named parameters. True (default): a leaf held by a variable of the calling code
    (``X``, ``xs[3]``, nearest caller first) takes that variable's name; False: none; a
    dict name -> node (or ``(name, node)`` pairs): those names, for any node.

    Raises TypeError for a root that is not a graph node or bad ``params`` / ``names``,
    ValueError for a bad ``rankdir`` or ``max_nodes``.
    """
    lines = build_lines(root, params=params, group_by_module=group_by_module, rankdir=rankdir,
                        show_data=show_data, show_grad=show_grad, max_nodes=max_nodes,
                        grad_flow=grad_flow, diagnosis=diagnosis, title=title, names=names)
    return "digraph autodiff {\n" + "".join(lines) + "}\n"


def draw_dot(root: Any, *, format: str = "svg", params: Any = None, group_by_module: Any = None,
             rankdir: str | None = None, show_data: bool = True, show_grad: bool = True,
             max_nodes: int | None = DEFAULT_MAX_NODES, grad_flow: bool = False,
             diagnosis: Any = None, title: str | None = None,
             names: Any = True) -> GraphDrawing:
    """The graph of ``root`` as a ``graphviz.Digraph``; see ``to_dot`` for the options.

    Shown inline in Jupyter; ``.render("out/graph")`` writes ``out/graph.<format>``.
    ``.source`` equals ``to_dot(root, ...)``. Rendering raises ``DotNotFoundError`` (a
    RuntimeError naming the install command) when the ``dot`` binary is missing.
    """
    fmt = _check_format(format, "draw_dot")
    lines = build_lines(root, params=params, group_by_module=group_by_module, rankdir=rankdir,
                        show_data=show_data, show_grad=show_grad, max_nodes=max_nodes,
                        grad_flow=grad_flow, diagnosis=diagnosis, title=title, names=names,
                        where="draw_dot")
    return GraphDrawing(name="autodiff", format=fmt, body=lines)


def _dot_binary(dot_binary: str | os.PathLike[str] | None) -> str:
    binary = str(dot_binary) if dot_binary is not None else os.environ.get("AUTODIFF_DOT", "dot")
    found = shutil.which(binary)
    if found is None:
        raise DotNotFoundError(binary)
    return found


def render(root: Any, path: str | os.PathLike[str], *, format: str | None = None,
           dot_binary: str | os.PathLike[str] | None = None, **options: Any) -> Path:
    """Draw ``root``'s graph into ``path`` with the graphviz ``dot`` binary; return the path.

    The format comes from ``format`` or the file's suffix (``.svg``, ``.png``, ``.pdf``;
    ``.dot``/``.gv`` write the DOT text without running graphviz); a path without a suffix
    gets ``.svg``. ``options`` are those of ``to_dot``. The file is written atomically
    (never half-written); parent folders are created. ``dot_binary`` (default: the
    ``AUTODIFF_DOT`` environment variable, else ``dot`` on PATH) names the executable.

    Raises DotNotFoundError (a RuntimeError with install instructions) when the binary is
    missing, RuntimeError when it fails, ValueError for an unknown format, and an OSError
    naming ``path`` when it cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if format is None:
        if suffix in ("gv", "dot"):
            format = "dot-source"
        elif suffix in FORMATS:
            format = suffix
        else:
            format = "svg"
            path = path.with_name(path.name + ".svg")
    source = to_dot(root, **options)
    if format == "dot-source":
        data = source.encode("utf-8")
    else:
        fmt = _check_format(format, "render")
        binary = _dot_binary(dot_binary)
        try:
            result = subprocess.run([binary, f"-T{fmt}"], input=source.encode("utf-8"),
                                    capture_output=True, check=False)
        except OSError as error:
            raise DotNotFoundError(binary) from error
        if result.returncode != 0:
            raise RuntimeError(f"render: {binary} -T{fmt} failed with exit code "
                               f"{result.returncode}: {result.stderr.decode(errors='replace')}")
        data = result.stdout
    try:
        _write_atomically(path, data)
    except OSError as error:
        raise _write_error(error, path) from None
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_error(error: OSError, path: Path) -> OSError:
    """The same kind of OSError, naming the user's path instead of the temporary file."""
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        reason = f"{str(parent)!r} is a file, not a folder"
    else:
        reason = error.strerror or str(error)
    return type(error)(error.errno, f"render: cannot write {str(path)!r}: {reason}; "
                                    "choose a folder you can write to")
