"""One font subset per font, shared by every PDF figure a process writes.

matplotlib embeds in each PDF a subset of each font holding exactly the glyphs that
figure uses, and builds it from scratch: fontTools reads and decompiles the whole font
file (DejaVu Sans, with its large layout tables) for every font of every file. Writing
a few dozen forest plots spent most of its time there.

Inside :func:`shared_font_subsets` every subset holds instead a fixed repertoire
(:data:`SHARED_CHARACTERS`: ASCII and the symbols the figures print) plus whatever
else a figure uses. Most figures then ask for the same subset, which is built once per
process and reused. The PDF looks the same (the same glyphs at the same places); the
files are a little larger, and deterministic as before: a subset depends only on the
font and the glyphs it holds. The OpenType layout tables (GSUB, GPOS, ...) are left
out (matplotlib places every glyph itself, and a PDF viewer never applies them), and so
are the hinting instructions.

This replaces matplotlib's ``_backend_pdf_ps.get_glyphs_subset`` for the duration of
the ``with`` block. That is a private function of the pinned matplotlib (see
requirements.txt); tests/test_plots.py checks the PDFs' text and fonts, so a matplotlib
that changes it fails there, not silently.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Iterable, Iterator

import matplotlib.backends._backend_pdf_ps as _pdf_ps
from fontTools import subset, ttLib

#: Characters every subset holds whether or not the figure prints them: printable ASCII
#: and the typographic and mathematical signs the figures use (few: each glyph is in
#: every file).
SHARED_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "°±²³µ·×÷–—‘’“”•…−≤≥≈√τχ←→▲▼◆■●"

#: What matplotlib leaves out of a subset (as in its own get_glyphs_subset) ...
_MATPLOTLIB_DROPPED = ["FFTM", "PfEd", "BDF", "meta", "MERG", "TSIV", "Zapf", "bdat", "bloc", "cidg", "fdsc",
                       "feat", "fmtx", "fond", "just", "kerx", "ltag", "morx", "trak", "xref"]
#: ... and the OpenType layout tables, which nothing reads in a PDF.
_LAYOUT_TABLES = ["GSUB", "GPOS", "GDEF", "MATH", "BASE", "JSTF"]


@contextlib.contextmanager
def shared_font_subsets() -> Iterator[None]:
    """Within the block, PDF figures embed the shared (cached) font subsets."""
    original = _pdf_ps.get_glyphs_subset
    _pdf_ps.get_glyphs_subset = _shared_subset
    try:
        yield
    finally:
        _pdf_ps.get_glyphs_subset = original


def _shared_subset(fontfile, glyphs: Iterable[int]):
    """Stands in for matplotlib's get_glyphs_subset (same arguments, same result type)."""
    path, face_index = str(fontfile), getattr(fontfile, "face_index", 0)
    wanted = frozenset(glyphs) | shared_glyphs(path, face_index)
    data, index_map = subset_font(path, face_index, wanted)
    # as the subset was saved: no new modification time, nothing recomputed
    font = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    return _pdf_ps.SubsetResults(font, dict(index_map))._as_cm()


@functools.cache
def shared_glyphs(path: str, face_index: int = 0) -> frozenset[int]:
    """Glyph ids of :data:`SHARED_CHARACTERS` in one font (those it has)."""
    with ttLib.TTFont(path, fontNumber=face_index, lazy=True) as font:
        cmap = font.getBestCmap()
        return frozenset(font.getGlyphID(cmap[ord(c)]) for c in SHARED_CHARACTERS if ord(c) in cmap)


@functools.cache
def subset_font(path: str, face_index: int, glyphs: frozenset[int]) -> tuple[bytes, tuple[tuple[int, int], ...]]:
    """The font file of the subset holding ``glyphs``, and old glyph id -> new glyph id."""
    options = subset.Options(glyph_names=True, recommended_glyphs=True)
    options.drop_tables += _MATPLOTLIB_DROPPED + _LAYOUT_TABLES
    options.font_number = face_index
    options.hinting = False  # TrueType hinting is for screens at small pixel sizes, not for a PDF
    with subset.load_font(path, options) as font:
        subsetter = subset.Subsetter(options=options)
        subsetter.populate(gids=sorted(glyphs))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer, reorderTables=False)
    return buffer.getvalue(), tuple(sorted(subsetter.glyph_index_map.items()))
