"""Render the Quarto report source to a self-contained HTML file and a PDF.

Two engines render the *same* source (``report/report.qmd`` + ``_quarto.yml``):

``quarto``
    When the ``quarto`` CLI is on PATH (and allowed), ``quarto render`` is run
    twice (``--to html`` and ``--to typst``) inside the build directory
    (:mod:`.quarto`).
``pandoc``
    Otherwise the Quarto features the report uses are emulated: shortcodes
    (``{{< var key.sub >}}``, ``{{< include file >}}``, ``{{< pagebreak >}}``)
    are expanded here (:mod:`.source`), cross-references are resolved by
    ``crossref.lua``, and pandoc 3 (``pypandoc_binary``) writes a standalone HTML
    (all resources embedded) and typst markup that the ``typst`` Python package
    compiles to PDF (:mod:`.pandoc`, with ``crossref.lua``, ``style.css`` and
    ``typst-header.typ`` beside it).

The document contains no executable code: all numbers come in through
``_variables.yml`` (written from the ``variables`` mapping) and through
generated markdown/figures placed in the build directory (:mod:`.build`).

Both outputs are deterministic: two renders of the same inputs give
byte-identical HTML and PDF (no dates or random ids are embedded; the typst
PDF gets no creation date and a fixed timestamp, and only fonts bundled with
typst are used).

Nothing here knows about this project's results: the renderer is a tool of its own,
usable as ``python -m tkimeta.render``.
"""

from .build import prepare_work_dir, render_report
from .errors import (
    CrossrefError,
    MissingFigureError,
    MissingIncludeError,
    MissingVariableError,
    ReportRenderError,
    ShortcodeError,
)
from .output import RenderResult

__all__ = [
    "render_report",
    "prepare_work_dir",
    "RenderResult",
    "ReportRenderError",
    "MissingVariableError",
    "MissingIncludeError",
    "MissingFigureError",
    "CrossrefError",
    "ShortcodeError",
]
