"""Heat map of the coverage matrix (matplotlib): one colour per state, counts in every cell.

Colours are categorical, not a scale, so that "pending" (not reviewed yet) can never be read as
a paler shade of "evidence". The palette is distinguishable with the common colour-vision
deficiencies, and each cell also carries its state in words ("pending", "rejected", "none").
"""

from __future__ import annotations

import io

import pandas as pd

from pipeline.export.coverage import STATE_MEANING, STATES, matrix

STATE_COLOURS = {
    "evidence": "#1a9850",       # green
    "pending": "#fdae61",        # amber
    "rejected_only": "#9e9ac8",  # lavender
    "none": "#f0f0f0",           # light grey
}
TEXT_COLOURS = {"evidence": "white", "pending": "black", "rejected_only": "black", "none": "#777777"}


def draw_heatmap(coverage: pd.DataFrame, ax=None, title: str | None = None,
                 column_names: dict[str, str] | None = None, row_names: dict[str, str] | None = None):
    """Draw ``coverage`` (from ``coverage_frame``) on ``ax`` (a new figure when None); returns
    the figure. ``column_names``/``row_names`` map ids to display names."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    states = matrix(coverage, "state")
    labels = matrix(coverage, "label")
    n_rows, n_cols = states.shape
    if ax is None:
        # A pyplot-free Figure: no global backend state, safe in servers and notebooks alike.
        fig = Figure(figsize=(max(6.0, 1.7 * n_cols + 2.5), max(2.5, 0.68 * n_rows + 2.2)))
        ax = fig.subplots()
    else:
        fig = ax.figure
    codes = states.apply(lambda col: col.map(STATES.index)).to_numpy(dtype=float) \
        if n_rows and n_cols else [[STATES.index("none")]]
    cmap = ListedColormap([STATE_COLOURS[s] for s in STATES])
    ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(STATES) - 0.5, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            state = states.iat[i, j]
            ax.text(j, i, labels.iat[i, j], ha="center", va="center", fontsize=8.5,
                    color=TEXT_COLOURS[state])
    column_names = column_names or {}
    row_names = row_names or {}
    ax.set_xticks(range(n_cols))
    ax.set_xticklabels([_wrap(column_names.get(c, c)) for c in states.columns], fontsize=9)
    ax.set_yticks(range(n_rows))
    ax.set_yticklabels([row_names.get(m, m) for m in states.index], fontsize=9)
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=0)
    ax.set_xticks([x - 0.5 for x in range(1, n_cols)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, n_rows)], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    handles = [Patch(facecolor=STATE_COLOURS[s], edgecolor="#999999",
                     label=f"{s}: {STATE_MEANING[s]}") for s in STATES]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2,
              fontsize=8, frameon=False,
              title="accepted evidence by polarity: sup = supports, und = undermines, "
                    "oth = neutral or not scored", title_fontsize=8)
    if title:
        ax.set_title(title, fontsize=10, pad=12)
    fig.tight_layout()
    return fig


def heatmap_png(coverage: pd.DataFrame, dpi: int = 110, **kwargs) -> bytes:
    """The heat map as PNG bytes (rendered by Agg; no display needed)."""
    fig = draw_heatmap(coverage, **kwargs)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def _wrap(text: str, width: int = 16) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)
