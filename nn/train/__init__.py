"""Training and judging a model: ``fit``, ``evaluate``/``predict``, history, checkpoints,
metrics and figures.

Rooms: ``loop`` (``fit``), ``evaluation`` (``evaluate``, ``predict`` and how a batch meets a
model), ``history`` (``History``, ``EarlyStopping``), ``checkpoint`` (write and resume a run),
``metrics`` (numbers for reports), ``plot`` (figures; matplotlib is imported when drawing).
Training may import every room below it (``nn.inputs``, ``nn.io``, ``nn.init``) and the
engine; it works on any model, optimizer and loader through their public methods.
"""

from .evaluation import evaluate, predict
from .history import EarlyStopping, History
from .loop import fit

__all__ = ["fit", "evaluate", "predict", "History", "EarlyStopping"]
