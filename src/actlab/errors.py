"""The one exception type actlab raises for bad input.

The CLI turns an :class:`ActlabError` into a single line on stderr and exit code 2.
"""


class ActlabError(ValueError):
    """Invalid input: the message says what was wrong and what is allowed."""


class ActlabNote(UserWarning):
    """Something the user should know that changes nothing in the results (the CLI prints
    it as one ``note:`` line), e.g. the Numba kernel fell back to NumPy."""


class KernelUnavailable(RuntimeError):
    """The Numba kernel cannot compile or load here; the engine trains with NumPy."""
