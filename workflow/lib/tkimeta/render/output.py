"""What comes out of a render: the :class:`RenderResult`, the check that an HTML file
is self-contained, and the fixed timestamp that keeps the PDF reproducible."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReportRenderError

#: Timestamp handed to typst when SOURCE_DATE_EPOCH is unset (2000-01-01T00:00Z).
#: The PDF carries no date anyway (``#set document(date: none)``).
DEFAULT_EPOCH = 946684800


@dataclass
class RenderResult:
    """Which engine rendered, the files written, and seconds per step."""

    engine: str  # "quarto" or "pandoc"
    html: Path | None
    pdf: Path | None
    seconds: dict[str, float] = field(default_factory=dict)


def check_self_contained(html: str) -> None:
    """Raise if the HTML loads anything from the network (img/script/link/url(...))."""
    bad = re.findall(
        r"""<(?:img|script|link|iframe|source|video|audio|embed)\b[^>]*?\b(?:src|href)\s*=\s*["']?((?:https?:)?//[^"'\s>]+)""",
        html,
        flags=re.I,
    )
    bad += re.findall(r"""url\(\s*["']?((?:https?:)?//[^"')]+)""", html, flags=re.I)
    if bad:
        raise ReportRenderError(
            "rendered HTML is not self-contained; external resources: " + ", ".join(sorted(set(bad)))
        )


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH if set, else :data:`DEFAULT_EPOCH`."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    return int(env) if env else DEFAULT_EPOCH
