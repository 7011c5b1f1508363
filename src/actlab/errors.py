"""The one exception type actlab raises for bad input.

The CLI turns an :class:`ActlabError` into a single line on stderr and exit code 2.
"""


class ActlabError(ValueError):
    """Invalid input: the message says what was wrong and what is allowed."""
