"""Charts of the dashboard as small SVG documents, drawn on the server from the report model.

Every chart is a picture *and* words: the SVG has `role="img"` and an `aria-label`, every bar or
cell carries its number as text (or the hidden mark), and the page puts a legend and a table of
the same numbers beside it, so nothing is told by colour alone. Colours are CSS classes (`bar`,
`f1`..`f5`, `fdk`, `side-parents`, `heat-3`, ...) that app.css maps onto Telegram's theme
variables; the SVG holds no style of its own, so the page's CSP needs no 'unsafe-inline'.

The viewBox is `WIDTH` wide and scales to the phone (360 px minus margins): type is sized for
that width. Texts are escaped here; the page inserts the SVG as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from bot.flow_model import DONT_KNOW, SCALE_VALUES
from bot.reports import labels
from bot.reports.model import Figure

WIDTH = 320  # viewBox units; the page scales it to its column
ROW = 30  # height of one bar row with its label
BAR = 14  # thickness of a bar
LABEL_CHARS = 46  # a row's label is cut here in the picture; the table beside it has it whole
MIN_SEGMENT_LABEL = 20  # a face segment narrower than this carries no number (the legend has it)
SCALE_MIN, SCALE_MAX = 1.0, 5.0
FACE_CLASSES = {**{v: f"f{v}" for v in SCALE_VALUES}, DONT_KNOW: "fdk"}
HEAT_STEPS = 5  # heat classes heat-1 (weak) .. heat-5 (strong), by mean


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its label, a value on the 1-5 scale (None: hidden), its text."""

    label: str
    value: float | None
    text: str
    css: str = "bar"


def _svg(height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'role="img" aria-label={quoteattr(label)} class="chart">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _cut(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _scale_x(value: float, width: float) -> float:
    return max(0.0, min(1.0, (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN))) * width


def faces(figure: Figure, label: str) -> str:
    """A stacked bar of the faces 1-5 and "weet niet", each segment with its count."""
    body: list[str] = []
    if not figure.shown or not figure.counts or not figure.n:
        body.append(f'<text x="0" y="20" class="ink">{escape(labels.HIDDEN)}</text>')
        return _svg(28, label, body)
    x = 0.0
    for value in (*SCALE_VALUES, DONT_KNOW):
        count = figure.counts.get(value, 0)
        if not count:
            continue
        width = WIDTH * count / figure.n
        css = FACE_CLASSES[value]
        body.append(f'<rect x="{x:.1f}" y="2" width="{width:.1f}" height="24" class="{css}"/>')
        if width >= MIN_SEGMENT_LABEL:
            body.append(
                f'<text x="{x + width / 2:.1f}" y="19" text-anchor="middle" '
                f'class="on-{css}">{count}</text>'
            )
        x += width
    return _svg(28, label, body)


def bars(rows: Sequence[Bar], label: str) -> str:
    """Horizontal bars on the 1-5 scale, one per row, label above, value as text at the end."""
    body: list[str] = []
    value_room = 44
    track = WIDTH - value_room
    for i, row in enumerate(rows):
        top = i * ROW
        body.append(
            f'<text x="0" y="{top + 11}" class="ink small">{escape(_cut(row.label))}</text>'
        )
        body.append(f'<rect x="0" y="{top + 14}" width="{track}" height="{BAR}" class="track"/>')
        if row.value is not None:
            body.append(
                f'<rect x="0" y="{top + 14}" width="{_scale_x(row.value, track):.1f}" '
                f'height="{BAR}" class="{row.css}"/>'
            )
        body.append(
            f'<text x="{WIDTH}" y="{top + 26}" text-anchor="end" class="ink">'
            f"{escape(row.text)}</text>"
        )
    return _svg(max(ROW * len(rows), ROW), label, body)


def paired(rows: Sequence[tuple[str, Sequence[Bar]]], label: str) -> str:
    """Groups of bars (parents beside team, now beside before): each bar named in its text."""
    body: list[str] = []
    value_room = 96
    track = WIDTH - value_room
    y = 0.0
    for title, group in rows:
        body.append(f'<text x="0" y="{y + 11}" class="ink small">{escape(_cut(title))}</text>')
        y += 14
        for bar in group:
            body.append(f'<rect x="0" y="{y}" width="{track}" height="{BAR}" class="track"/>')
            if bar.value is not None:
                body.append(
                    f'<rect x="0" y="{y}" width="{_scale_x(bar.value, track):.1f}" '
                    f'height="{BAR}" class="{bar.css}"/>'
                )
            body.append(
                f'<text x="{WIDTH}" y="{y + 12}" text-anchor="end" class="ink small">'
                f"{escape(bar.label)} {escape(bar.text)}</text>"
            )
            y += BAR + 4
        y += 8
    return _svg(max(y, ROW), label, body)


def grouped(rows: Sequence[tuple[str, Sequence[Bar]]], label: str) -> str:
    """Groups of named bars (a theme, and each school's mean under it): every bar has its name
    on a line above it and its value at its end, so bars are told apart by words."""
    body: list[str] = []
    value_room = 44
    track = WIDTH - value_room
    y = 0.0
    for title, group in rows:
        body.append(f'<text x="0" y="{y + 13}" class="ink strong">{escape(_cut(title))}</text>')
        y += 18
        for bar in group:
            body.append(
                f'<text x="0" y="{y + 11}" class="ink small">{escape(_cut(bar.label))}</text>'
            )
            body.append(f'<rect x="0" y="{y + 14}" width="{track}" height="{BAR}" class="track"/>')
            if bar.value is not None:
                body.append(
                    f'<rect x="0" y="{y + 14}" width="{_scale_x(bar.value, track):.1f}" '
                    f'height="{BAR}" class="{bar.css}"/>'
                )
            body.append(
                f'<text x="{WIDTH}" y="{y + 26}" text-anchor="end" class="ink">'
                f"{escape(bar.text)}</text>"
            )
            y += ROW
        y += 8
    return _svg(max(y, ROW), label, body)


def heat_class(mean: float | None) -> str:
    """heat-1 (weakest) .. heat-5 (strongest); heat-none for hidden or not asked."""
    if mean is None:
        return "heat-none"
    step = int(_scale_x(mean, HEAT_STEPS - 0.001)) + 1
    return f"heat-{min(HEAT_STEPS, max(1, step))}"


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: dict[tuple[int, int], str | None],
    means: dict[tuple[int, int], float | None],
    label: str,
    empty: str = "",
) -> str:
    """A grid (rows x columns): each cell coloured by its mean and showing the mean as text.

    `cells[(r, c)]` is the text of a cell (a mean, the hidden mark) or None when nothing maps to
    it: drawn empty with a dashed edge and the words `empty` ("niet gevraagd"), so that an
    empty cell is told by words too, never by its edge alone."""
    head = 18
    left = 0
    cell_w = WIDTH / len(columns)
    cell_h = 34
    body: list[str] = []
    for c, name in enumerate(columns):
        body.append(
            f'<text x="{left + c * cell_w + cell_w / 2:.1f}" y="12" text-anchor="middle" '
            f'class="ink small">{escape(name)}</text>'
        )
    y = head
    for r, name in enumerate(rows):
        body.append(f'<text x="0" y="{y + 11}" class="ink small">{escape(_cut(name))}</text>')
        y += 14
        for c in range(len(columns)):
            x = left + c * cell_w
            text = cells.get((r, c))
            css = "heat-empty" if text is None else heat_class(means.get((r, c)))
            body.append(
                f'<rect x="{x + 1:.1f}" y="{y}" width="{cell_w - 2:.1f}" height="{cell_h}" '
                f'rx="3" class="{css}"/>'
            )
            shown, on = (text, f"on-{css}") if text is not None else (empty, "ink tiny")
            if shown:
                body.append(
                    f'<text x="{x + cell_w / 2:.1f}" y="{y + 22}" text-anchor="middle" '
                    f'class="{on}">{escape(shown)}</text>'
                )
        y += cell_h + 6
    return _svg(y, label, body)


def participation(rows: Sequence[tuple[str, int | None, int | None]], label: str) -> str:
    """Per class: started against expected ("12 / 20"); the bar fills the share reached."""
    body: list[str] = []
    value_room = 70
    track = WIDTH - value_room
    for i, (name, started, expected) in enumerate(rows):
        top = i * ROW
        body.append(f'<text x="0" y="{top + 11}" class="ink small">{escape(_cut(name))}</text>')
        body.append(f'<rect x="0" y="{top + 14}" width="{track}" height="{BAR}" class="track"/>')
        if started is not None and expected:
            share = min(1.0, started / expected)
            body.append(
                f'<rect x="0" y="{top + 14}" width="{share * track:.1f}" height="{BAR}" '
                f'class="bar"/>'
            )
        text = labels.count(started) + (f" / {expected}" if expected else "")
        body.append(
            f'<text x="{WIDTH}" y="{top + 26}" text-anchor="end" class="ink">{escape(text)}</text>'
        )
    return _svg(max(ROW * len(rows), ROW), label, body)
