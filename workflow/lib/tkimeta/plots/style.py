"""Palette, fixed rcParams and deterministic saving shared by every figure.

Every plotting function of :mod:`tkimeta.plots` builds its figure inside
:func:`style_context`, which starts from matplotlib's built-in defaults (so a user's
``matplotlibrc`` or an earlier ``rcParams`` change has no effect) and applies
:data:`RC`. Figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot
state, nothing to close).

:func:`save_figure` writes PNG (200 dpi), PDF and optionally SVG so that the same
figure always gives the same bytes, in one process or in two: no software name, no
creation date, a fixed SVG hash salt, fonts (DejaVu Sans, shipped with matplotlib)
embedded as TrueType subsets, shared by the PDFs of one process (:mod:`.fonts`). Files are written to a temporary name and renamed.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path
from collections.abc import Iterable, Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.style  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..vocab import AUDIT_STATUSES  # noqa: E402
from .fonts import shared_font_subsets  # noqa: E402

__all__ = [
    "OKABE_ITO",
    "INK",
    "GREY",
    "LIGHT_GREY",
    "STUDY_COLOURS",
    "STUDY_MARKERS",
    "STATUS_COLOURS",
    "STATUS_ORDER",
    "RC",
    "DPI",
    "style_context",
    "new_figure",
    "figure_bytes",
    "save_figure",
]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
INK = "#1A1A1A"
GREY = "#767676"
LIGHT_GREY = "#C8C8C8"

#: Colours and markers given to studies in order (yellow last: weak on white).
STUDY_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)
STUDY_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

#: Audit statuses, in the order they are stacked, and their fixed colours.
STATUS_ORDER = AUDIT_STATUSES
STATUS_COLOURS = {
    "consistent": OKABE_ITO["bluish_green"],
    "rounding": OKABE_ITO["yellow"],
    "discrepancy": OKABE_ITO["vermillion"],
    "not_checkable": LIGHT_GREY,
}

DPI = 200

#: Applied on top of matplotlib's defaults for building and for saving figures.
RC = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.titleweight": "bold",
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "figure.titlesize": 10.0,
    "mathtext.fontset": "dejavusans",
    "text.usetex": False,
    "axes.unicode_minus": True,
    "axes.linewidth": 0.8,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "text.color": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=list(STUDY_COLOURS)),
    "lines.linewidth": 1.0,
    "lines.solid_capstyle": "butt",
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.bbox": "standard",
    "savefig.transparent": False,
    "pdf.fonttype": 42,
    "pdf.compression": 6,
    "ps.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "tkimeta",
    "path.simplify": True,
    "agg.path.chunksize": 0,
}

#: What each format would otherwise stamp into the file (software, dates).
METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None},
}
FORMATS = tuple(METADATA)


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """rcParams = matplotlib defaults + :data:`RC`, restored on exit."""
    with matplotlib.style.context(["default", RC]):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A pyplot-free figure of ``width`` x ``height`` inches (call inside the context)."""
    return Figure(figsize=(width, height), dpi=100)


def figure_bytes(fig: Figure, fmt: str, dpi: int = DPI) -> bytes:
    """The bytes of ``fig`` saved as ``fmt`` (png, pdf, svg), deterministically."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in METADATA:
        raise ValueError(f"unsupported figure format {fmt!r}; use one of {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    fonts = shared_font_subsets() if fmt == "pdf" else contextlib.nullcontext()
    with style_context(), fonts:
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=METADATA[fmt])
    return buffer.getvalue()


def _targets(target, formats: Iterable[str]) -> list[Path]:
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        if path.suffix.lower().lstrip(".") in METADATA:
            return [path]
        # No (known) suffix: one file per format, the suffix appended to the full name
        # (so that "forest_ORR.v2" gives "forest_ORR.v2.png").
        return [path.with_name(f"{path.name}.{fmt.lower().lstrip('.')}") for fmt in formats]
    paths = [Path(item) for item in target]
    if not paths:
        raise ValueError("save_figure: no output path given")
    for path in paths:
        if path.suffix.lower().lstrip(".") not in METADATA:
            raise ValueError(
                f"save_figure: cannot tell the format of {str(path)!r}; "
                f"explicit paths must end in one of {', '.join('.' + f for f in FORMATS)}"
            )
    return paths


def save_figure(fig: Figure, target, *, formats: Iterable[str] = ("png", "pdf"), dpi: int = DPI) -> list[Path]:
    """Write ``fig`` deterministically and return the paths written.

    ``target`` is either a path without suffix (``results/figures/forest_ORR`` writes
    ``forest_ORR.png`` and ``forest_ORR.pdf``, or whatever ``formats`` lists), a path
    with a ``.png``/``.pdf``/``.svg`` suffix (that file only), or a list of such paths.
    Parent folders are created.
    """
    formats = tuple(formats)
    for fmt in formats:
        if fmt.lower().lstrip(".") not in METADATA:
            raise ValueError(f"unsupported figure format {fmt!r}; use one of {', '.join(FORMATS)}")
    written = []
    for path in _targets(target, formats):
        data = figure_bytes(fig, path.suffix, dpi=dpi)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # as any file the user creates (the umask), not 0600
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


def _umask() -> int:
    """The process umask (as tkimeta.io.file_umask; set and set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
