"""PDF figures share their font subsets (tkimeta.plots.fonts) and still carry every glyph."""

from __future__ import annotations

import io
import re
import zlib

from fontTools import ttLib

from tkimeta.plots.fonts import SHARED_CHARACTERS, subset_font
from tkimeta.plots.style import figure_bytes, new_figure, style_context


def _figure(text: str):
    with style_context():
        fig = new_figure(3, 1)
        fig.text(0.1, 0.5, text)
        fig.suptitle("Bold title")
    return fig


def _embedded_fonts(pdf: bytes) -> list[ttLib.TTFont]:
    """The TrueType fonts embedded in a PDF (its FontFile2 streams)."""
    fonts = []
    for match in re.finditer(rb"/Length1 \d+.*?stream\r?\n", pdf, re.S):
        start = match.end()
        end = pdf.index(b"endstream", start)
        fonts.append(ttLib.TTFont(io.BytesIO(zlib.decompress(pdf[start:end]))))
    return fonts


def _characters(font: ttLib.TTFont) -> set[str]:
    return {chr(code) for code in font.getBestCmap()}


def test_figures_that_print_only_shared_characters_embed_the_same_subsets():
    first = figure_bytes(_figure("Events/N 11/68 [95% CI] ≥ 3"), "pdf")
    second = figure_bytes(_figure("Pooled (GLMM): 19.9 × τ² − 2"), "pdf")
    streams = [set(re.findall(rb"/Length1 \d+.*?stream\r?\n.*?endstream", pdf, re.S)) for pdf in (first, second)]
    assert streams[0] and streams[0] == streams[1]
    assert first == figure_bytes(_figure("Events/N 11/68 [95% CI] ≥ 3"), "pdf")  # and the bytes are reproducible


def test_a_character_outside_the_shared_set_is_embedded_too():
    unusual = "Ωé"
    assert not set(unusual) & set(SHARED_CHARACTERS)
    fonts = _embedded_fonts(figure_bytes(_figure(f"Study {unusual} ≥ 15%"), "pdf"))
    assert any(set(f"Study{unusual}≥%") <= _characters(font) for font in fonts), [sorted(_characters(f)) for f in fonts]
    for font in fonts:  # every subset holds the shared repertoire (where the font has it)
        assert set("0123456789[]()%/") <= _characters(font)
        assert "GSUB" not in font and "GPOS" not in font


def test_a_subset_is_built_once_per_process():
    subset_font.cache_clear()
    figure_bytes(_figure("one"), "pdf")
    built = subset_font.cache_info().currsize
    figure_bytes(_figure("two"), "pdf")
    assert built and subset_font.cache_info().currsize == built
    assert subset_font.cache_info().hits >= built
