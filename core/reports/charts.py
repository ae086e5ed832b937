"""Charts for the reports, drawn by matplotlib with an explicit Thai font.

matplotlib's default font has no Thai glyphs and would draw boxes, so every chart asks
:func:`thai_font` for a font that covers both Thai and Latin letters (numbers and codes share
the labels): the office font shipped with Tidtam (``fontfiles``), loaded from its files, so the
charts look like the documents they sit in; an installed Thai font only if those files are
missing, and a Thai message when there is none. Output is stable:
no version or date in the PNG/SVG metadata, and a fixed SVG hash salt for element ids.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ..errors import MachineLacks  # noqa: E402

from tidtam.core.thai import to_thai_digits  # noqa: E402

from . import fontfiles  # noqa: E402

PREFERRED_FONTS = (fontfiles.FAMILY, "Laksaman", "Garuda", "Loma", "Norasi", "Waree", "Tahoma", "Leelawadee UI")
FONT_HINT = ("ติดตั้ง tidtam ใหม่ (ฟอนต์ของโครงการอยู่ใน core/reports/fonts) "
             "หรือติดตั้งฟอนต์ภาษาไทย เช่น sudo apt-get install fonts-thai-tlwg")
# Text size in the office font's points (TH Sarabun New's proportions: 20 pt reads like 13 pt of
# a common font); the installed fallbacks have common proportions.
SIZE_PT = {fontfiles.FAMILY: 20}
FALLBACK_PT = 13

BLUE, ORANGE, GREY, RED, GREEN = "#2c4a7c", "#e08a1e", "#9aa5b1", "#c0392b", "#2e8b57"


class ChartFontError(MachineLacks):
    """No installed font can draw Thai; the message says what to install."""


def _covers_thai_and_latin(path: str) -> bool:
    try:
        charmap = matplotlib.ft2font.FT2Font(path).get_charmap()
    except (OSError, RuntimeError):
        return False
    return all(ord(ch) in charmap for ch in "กำ่A9")


@functools.cache
def thai_font() -> str:
    """The family name of a font that draws Thai and Latin text: the shipped one first."""
    for path in fontfiles.faces():
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
    by_name: dict[str, list[str]] = {}
    for entry in font_manager.fontManager.ttflist:
        by_name.setdefault(entry.name, []).append(entry.fname)
    for name in PREFERRED_FONTS:
        if any(_covers_thai_and_latin(path) for path in by_name.get(name, [])):
            return name
    raise ChartFontError(f"ไม่พบฟอนต์ภาษาไทยสำหรับวาดกราฟ (ลองหา: {', '.join(PREFERRED_FONTS)}) — {FONT_HINT}")


def themed(draw):
    """Run a chart function under the Thai font and stable-output settings, start to save.

    rcParams are read when each text is created, so the context must cover the whole drawing.
    """
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        family = thai_font()
        settings = {"font.family": family, "font.size": SIZE_PT.get(family, FALLBACK_PT), "axes.unicode_minus": False,
                    "svg.hashsalt": "tidtam", "svg.fonttype": "path"}
        with plt.rc_context(settings):
            return draw(*args, **kwargs)
    return wrapper


def new_figure(width: float = 7.5, height: float = 3.6) -> tuple[Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def save(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem``.png (documents) and ``stem``.svg (web), both free of dates and versions."""
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    fig.tight_layout()
    fig.savefig(paths[0], metadata={"Software": None})
    fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return paths


def thai_ticks(ax: plt.Axes, axis: str = "y", suffix: str = "") -> None:
    """Tick labels in Thai digits, as in the documents."""
    formatter = FuncFormatter(lambda value, _: to_thai_digits(f"{value:,.0f}{suffix}"))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _th(value: float, suffix: str = "") -> str:
    return to_thai_digits(f"{value:,.1f}{suffix}")


# --- the charts ---------------------------------------------------------------------------


@themed
def percent_against_target(stem: Path, title: str, labels: Sequence[str], percents: Sequence[float],
                           target: float, target_label: str) -> list[Path]:
    """Horizontal bars of percentages with the target as a dashed line; bars below it in orange."""
    fig, ax = new_figure(height=0.55 * len(labels) + 1.6)
    rows = range(len(labels))
    colours = [BLUE if p >= target else ORANGE for p in percents]
    ax.barh(list(rows), percents, color=colours)
    ax.set_yticks(list(rows), labels)
    ax.invert_yaxis()
    ax.axvline(target, color=RED, linestyle="--", linewidth=1.5, label=target_label)
    ax.legend(loc="upper right", frameon=False)
    for row, value in zip(rows, percents):
        ax.text(value, row, f" {_th(value, '%')}", va="center")
    ax.set_xlim(0, max([100.0, target * 1.15, *percents]) * 1.35)  # room for the legend on the right
    thai_ticks(ax, "x", "%")
    ax.set_title(title, loc="left")
    return save(fig, stem)


@themed
def stacked_counts(stem: Path, title: str, labels: Sequence[str], series: dict[str, Sequence[int]],
                   colours: Sequence[str]) -> list[Path]:
    """Stacked horizontal bars of counts (e.g. projects on track / late per strategy)."""
    fig, ax = new_figure(height=0.55 * len(labels) + 1.8)
    left = [0] * len(labels)
    for (name, values), colour in zip(series.items(), colours):
        ax.barh(list(range(len(labels))), values, left=left, color=colour, label=name)
        for row, (start, value) in enumerate(zip(left, values)):
            if value:
                ax.text(start + value / 2, row, to_thai_digits(value), ha="center", va="center", color="white")
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(list(range(len(labels))), labels)
    ax.invert_yaxis()
    thai_ticks(ax, "x")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, -0.12), frameon=False, ncols=len(series))  # below, clear of bars and title
    ax.set_title(title, loc="left")
    return save(fig, stem)


@themed
def cumulative_line(stem: Path, title: str, labels: Sequence[str], actual: Sequence[float | None],
                    target: Sequence[float]) -> list[Path]:
    """Cumulative disbursement by quarter against the targets (percent of the budget)."""
    fig, ax = new_figure()
    xs = list(range(len(labels)))
    ax.plot(xs, target, color=RED, linestyle="--", marker="o", label="เป้าหมายสะสม")
    shown = [(x, v) for x, v in zip(xs, actual) if v is not None]
    if shown:
        ax.plot([x for x, _ in shown], [v for _, v in shown], color=BLUE, marker="o", linewidth=2, label="เบิกจ่ายสะสม")
        for x, v in shown:
            ax.annotate(_th(v, "%"), (x, v), textcoords="offset points", xytext=(0, -16), ha="center", color=BLUE)
    ax.set_xticks(xs, labels)
    ax.set_ylim(0, 110)
    thai_ticks(ax, "y", "%")
    ax.legend(loc="upper left", frameon=False)
    ax.set_title(title, loc="left")
    return save(fig, stem)


@themed
def grouped_bars(stem: Path, title: str, labels: Sequence[str], series: dict[str, Sequence[float]],
                 colours: Sequence[str]) -> list[Path]:
    """Side-by-side vertical bars, e.g. budget and disbursement per strategy."""
    fig, ax = new_figure()
    width = 0.8 / max(len(series), 1)
    for i, ((name, values), colour) in enumerate(zip(series.items(), colours)):
        ax.bar([x + (i - (len(series) - 1) / 2) * width for x in range(len(labels))], values, width, color=colour, label=name)
    ax.set_xticks(list(range(len(labels))), labels)
    thai_ticks(ax, "y")
    ax.legend(loc="upper right", frameon=False)
    ax.set_title(title, loc="left")
    return save(fig, stem)


@themed
def levels(stem: Path, title: str, labels: Sequence[str], values: Sequence[int | None], top: int = 5) -> list[Path]:
    """Self-assessed levels (1–5) per indicator; indicators without a level are marked."""
    fig, ax = new_figure(width=8.5)
    xs = list(range(len(labels)))
    ax.bar(xs, [v or 0 for v in values], color=[BLUE if v else GREY for v in values])
    for x, v in zip(xs, values):
        ax.text(x, (v or 0) + 0.08, to_thai_digits(v) if v else "ยังไม่รายงาน", ha="center", va="bottom",
                rotation=0 if v else 90, fontsize="medium" if v else "small")
    ax.set_xticks(xs, labels)
    ax.set_ylim(0, top + 1.5)
    thai_ticks(ax, "y")
    ax.set_ylabel("ระดับ")
    ax.set_title(title, loc="left")
    return save(fig, stem)
