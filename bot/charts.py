"""The results bar chart as PNG bytes (matplotlib's Agg canvas; no pyplot, no global state)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

MAX_LABEL = 42
PROPOSED_COLOUR = "#c62828"
OTHER_COLOUR = "#90a4ae"
LINE_COLOUR = "#37474f"


@dataclass(frozen=True)
class Bar:
    """One candidate: its label, votes, and whether it is proposed."""

    label: str
    votes: int
    proposed: bool


@dataclass(frozen=True)
class Panel:
    """One category: its title, its candidates, the votes needed and the base they are out of."""

    title: str
    bars: tuple[Bar, ...]
    needed: int
    base: int


@dataclass(frozen=True)
class Chart:
    """The whole picture, with its (already translated) words."""

    title: str
    panels: tuple[Panel, ...]
    votes_label: str
    needed_label: str


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def bar_chart(chart: Chart, *, dpi: int = 110) -> bytes:
    """Draw one horizontal bar panel per category, the threshold as a dashed line."""
    if not chart.panels:
        raise ValueError("a chart needs at least one category")
    heights = [max(1, len(p.bars)) * 0.42 + 0.9 for p in chart.panels]
    figure = Figure(figsize=(8.5, sum(heights) + 0.8), dpi=dpi, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(_short(chart.title) if len(chart.title) > 90 else chart.title, fontsize=12)
    axes = figure.subplots(len(chart.panels), 1, squeeze=False, height_ratios=heights)
    for ax, panel in zip((row[0] for row in axes), chart.panels, strict=True):
        bars = list(reversed(panel.bars))  # matplotlib draws the first bar at the bottom
        positions = list(range(len(bars)))
        colours = [PROPOSED_COLOUR if b.proposed else OTHER_COLOUR for b in bars]
        ax.barh(positions, [b.votes for b in bars], color=colours, height=0.6)
        ax.set_yticks(positions, [_short(b.label) for b in bars], fontsize=9)
        for y, bar in zip(positions, bars, strict=True):
            ax.text(bar.votes + max(panel.base, 1) * 0.01, y, str(bar.votes), va="center",
                    fontsize=9)
        ax.axvline(panel.needed, color=LINE_COLOUR, linestyle="--", linewidth=1,
                   label=f"{chart.needed_label}: {panel.needed}")
        ax.set_xlim(0, max(panel.base, panel.needed, *(b.votes for b in bars), 1) * 1.08)
        ax.set_title(_short(panel.title), fontsize=10, loc="left")
        ax.set_xlabel(chart.votes_label, fontsize=9)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylim(-0.75, len(bars) - 0.25)
        ax.legend(loc="best", fontsize=8, framealpha=0.8)
        ax.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
