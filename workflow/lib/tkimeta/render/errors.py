"""What can go wrong while rendering the report: one exception class per kind of
problem, all subclasses of :class:`ReportRenderError`."""

from __future__ import annotations


class ReportRenderError(RuntimeError):
    """Any failure while rendering the report."""


class MissingVariableError(ReportRenderError, KeyError):
    """A ``{{< var key >}}`` shortcode names a key absent from the variables."""

    def __init__(self, key: str, where: str):
        self.key = key
        self.where = where
        RuntimeError.__init__(self, f"missing report variable '{key}' ({where})")

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class MissingIncludeError(ReportRenderError):
    """A ``{{< include path >}}`` shortcode names a file that does not exist."""


class MissingFigureError(ReportRenderError):
    """An image referenced by the document does not exist in the build directory."""


class CrossrefError(ReportRenderError):
    """Unresolved/duplicate cross-references or other document structure problems."""


class ShortcodeError(ReportRenderError):
    """Unsupported or malformed shortcode."""


