"""The results bar chart as PNG bytes (matplotlib's Agg canvas; no pyplot, no global state)."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

MAX_LABEL = 42
PROPOSED_COLOUR = "#c62828"
OTHER_COLOUR = "#90a4ae"
LINE_COLOUR = "#37474f"
MAX_PIXELS = 9_500  # width + height of the PNG; Telegram's sendPhoto allows 10,000
# Layout, in inches: figure width; the chart's heading; above each panel its title (and note);
# each bar; below each panel its axis and label; the bottom margin; a label character (9 pt).
WIDTH, HEADING, TITLE, NOTE, BAR, AXIS, MARGIN, CHAR = 8.5, 0.55, 0.35, 0.2, 0.42, 0.55, 0.1, 0.075


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
    note: str = ""  # a second, smaller line under the title (e.g. that not all are drawn)


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
    """Draw one horizontal bar panel per category, the threshold as a dashed line.

    Drawing takes up to a second or so: the same chart (the results, then the minutes) is
    drawn once; callers run this in a thread.
    """
    return _draw(chart, dpi)


def prime() -> None:
    """Draw a tiny chart once, so that fonts and caches are loaded before a real one is needed."""
    bar_chart(Chart("-", (Panel("-", (Bar("-", 1, True),), 1, 1),), "-", "-"), dpi=20)


@functools.lru_cache(maxsize=8)
def _draw(chart: Chart, dpi: int) -> bytes:
    if not chart.panels:
        raise ValueError("a chart needs at least one category")
    # Laid out by hand, in inches: matplotlib's automatic layout measured every label again
    # and again and took a third of the time. Each panel: its title, its bars, then the axis.
    tops = [TITLE + (NOTE if p.note else 0.0) for p in chart.panels]
    bars_in = [max(1, len(p.bars)) * BAR for p in chart.panels]
    height = HEADING + sum(tops) + sum(bars_in) + AXIS * len(chart.panels) + MARGIN
    size = (WIDTH, height)
    longest = max((len(_short(b.label)) for p in chart.panels for b in p.bars), default=4)
    left = min(WIDTH / 2, 0.25 + longest * CHAR)
    # Telegram refuses a photo whose width + height passes 10,000 px: a tall chart gets fewer dots.
    dpi = min(dpi, int(MAX_PIXELS / sum(size)))
    figure = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(figure)
    figure.suptitle(
        _short(chart.title) if len(chart.title) > 90 else chart.title,
        fontsize=12,
        y=1 - 0.15 / height,
        va="top",
    )
    axes: list[Axes] = []
    bottom = height - HEADING
    for top, span in zip(tops, bars_in, strict=True):
        bottom -= top + span
        axes.append(
            figure.add_axes((left / WIDTH, bottom / height, (WIDTH - left - 0.45) / WIDTH, span / height))
        )
        bottom -= AXIS
    for ax, panel in zip(axes, chart.panels, strict=True):
        bars = list(reversed(panel.bars))  # matplotlib draws the first bar at the bottom
        positions = list(range(len(bars)))
        colours = [PROPOSED_COLOUR if b.proposed else OTHER_COLOUR for b in bars]
        ax.barh(positions, [b.votes for b in bars], color=colours, height=0.6)
        ax.set_yticks(positions, [_short(b.label) for b in bars], fontsize=9)
        for y, bar in zip(positions, bars, strict=True):
            ax.text(bar.votes + max(panel.base, 1) * 0.01, y, str(bar.votes), va="center", fontsize=9)
        ax.axvline(
            panel.needed,
            color=LINE_COLOUR,
            linestyle="--",
            linewidth=1,
            label=f"{chart.needed_label}: {panel.needed}",
        )
        ax.set_xlim(0, max(panel.base, panel.needed, *(b.votes for b in bars), 1) * 1.08)
        ax.set_title(_short(panel.title) + (f"\n{panel.note}" if panel.note else ""), fontsize=10, loc="left")
        ax.set_xlabel(chart.votes_label, fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.set_ylim(-0.75, len(bars) - 0.25)
        ax.legend(loc="lower right", fontsize=8, framealpha=0.8)  # the fewest votes: short bars
        ax.spines[["top", "right"]].set_visible(False)
    out = io.BytesIO()
    figure.savefig(out, format="png", pil_kwargs={"compress_level": 1})  # quick; ~5 % bigger
    return out.getvalue()
