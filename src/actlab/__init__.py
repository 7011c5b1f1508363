"""actlab — an activation-function laboratory.

Modules:
- :mod:`actlab.activations` — the registry of activation functions (value, derivative, math).
- :mod:`actlab.properties` — measured properties of each activation.
- :mod:`actlab.playground` — the TensorFlow Playground reproduced: RNG, data, config, engine.
- :mod:`actlab.experiments` — the lesson's claims, measured.
- :mod:`actlab.cli` — the ``actlab`` command line, a thin layer over the above.
"""

from actlab.errors import ActlabError

__version__ = "0.1.0"
__all__ = ["ActlabError", "__version__"]
