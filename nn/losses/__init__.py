"""Loss functions, each as a function (also in ``nn.functional``) and as a Module.

Two readings of the same formulas (the chapter derives both):

* error minimisation: MSE is the mean squared error, L1 the mean absolute error;
* maximum likelihood: minimising a loss = maximising the likelihood of the targets under
  a model of the noise. MSE = Gaussian negative log-likelihood with a fixed variance, up to
  a scale and a constant: -log N(t | y, s^2) = (t - y)^2 / (2 s^2) + log(s) + log(2 pi)/2.
  L1 = Laplace NLL with a fixed scale, up to constants. Cross-entropy = categorical NLL,
  -log softmax(z)[t]; binary cross-entropy = Bernoulli NLL, -log(p^t (1-p)^(1-t)).
  GaussianNLLLoss learns the variance too.

``reduction`` is "mean" (default), "sum" or "none" (per-element losses). Tensor inputs give
Tensors. MSE, L1, Huber, BCE, BCE-with-logits and cross-entropy also take scalar ``Value``
models: a Value or a list of Values as input (for cross-entropy one list of logits per
sample), numbers as targets; they return a Value (or a list of Values for "none").

Rooms: ``regression`` (MSE, L1, Huber, Gaussian NLL), ``classification`` (cross-entropy,
NLL, BCE, BCE with logits), ``reduction`` (what they share). A loss imports
``nn.module``, ``nn.inputs`` and the engine, never ``nn.functional``.
"""

from .classification import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    NLLLoss,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    nll_loss,
)
from .regression import (
    GaussianNLLLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    gaussian_nll_loss,
    huber_loss,
    l1_loss,
    mse_loss,
)

__all__ = ["mse_loss", "l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "gaussian_nll_loss",
           "MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
           "NLLLoss", "GaussianNLLLoss"]
