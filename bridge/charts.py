"""Small inline SVG charts, drawn on the server: no script, nothing fetched from elsewhere. Every
label is escaped; a chart without data says so in words. A registry service, not part of the web
layer, because the monthly report (:mod:`bridge.reports.monthly`, built by the worker as well as
the console) draws the same charts into its printable version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping

from markupsafe import Markup, escape

NO_DATA = Markup("<p>Нет данных</p>")
MONTHS_RU = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
# Tell-apart colours for lines; past the tenth a line is also dashed.
PALETTE = ("#1f4e79", "#c0504d", "#4f8f3a", "#e69f00", "#7b3f99", "#0099a8", "#8c564b", "#d45c9e", "#6b6b6b",
           "#b5a000")


def month_label(month: dt.date) -> str:
    """«сен», «окт», ... for the x axis."""
    return MONTHS_RU[month.month - 1]


def _svg(width: int, height: int, body: list[str]) -> Markup:
    return Markup(f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                  f'xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>')


def _text(x: float, y: float, content: object, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:g}" y="{y:g}" font-size="13"{extra}>{escape(content)}</text>'


def bar_chart(values: Mapping[str, int], *, width: int = 460, bar: int = 22, label_width: int = 215) -> Markup:
    """Horizontal bars, one per label, with the value at the end of each bar."""
    if not values:
        return NO_DATA
    top = max(values.values()) or 1
    room = width - label_width - 40
    rows = []
    for i, (label, value) in enumerate(values.items()):
        y = i * (bar + 6)
        length = max(2, round(room * value / top))
        rows.append(
            _text(0, y + bar - 6, label)
            + f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar}" fill="{PALETTE[0]}" rx="3"/>'
            + _text(label_width + length + 6, y + bar - 6, value))
    return _svg(width, len(values) * (bar + 6), rows)


def _percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "%"


def line_chart(series: Mapping[str, Mapping[Hashable, float]], x: Mapping[Hashable, str], *, width: int = 460,
               plot_height: int = 160, legend_columns: int = 2) -> Markup:
    """Percentages (0-100) over ``x`` (key → axis label, in order: the months), one line per series
    with a legend below. A point missing from a series breaks its line; each point tells its
    value on hover (``<title>``)."""
    if not x or not any(k in x for values in series.values() for k in values):
        return NO_DATA
    left, right, top = 44, 12, 8
    room = width - left - right
    step = room / (len(x) - 1) if len(x) > 1 else 0
    xs = {key: left + (i * step if len(x) > 1 else room / 2) for i, key in enumerate(x)}

    def y(value: float) -> float:
        return round(top + plot_height * (1 - min(max(value, 0), 100) / 100), 1)

    body = []
    for level in (0, 25, 50, 75, 100):
        body.append(f'<line x1="{left}" y1="{y(level)}" x2="{width - right}" y2="{y(level)}" stroke="#ddd"/>'
                    + _text(left - 6, y(level) + 4, f"{level}%", text_anchor="end"))
    axis = top + plot_height + 18
    body += [_text(round(xs[key], 1), axis, label, text_anchor="middle") for key, label in x.items()]
    legend_top, column = axis + 14, (width - left) // legend_columns
    for i, (name, values) in enumerate(series.items()):
        colour, dash = PALETTE[i % len(PALETTE)], ' stroke-dasharray="5 3"' if i >= len(PALETTE) else ""
        runs: list[list[str]] = [[]]
        for key in x:
            if key in values:
                runs[-1].append(f"{round(xs[key], 1)},{y(values[key])}")
            elif runs[-1]:
                runs.append([])
        body += [f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
                 for run in runs if len(run) > 1]
        body += [f'<circle cx="{round(xs[key], 1)}" cy="{y(v)}" r="3" fill="{colour}">'
                 f'<title>{escape(name)}, {escape(x[key])}: {_percent(v)}</title></circle>'
                 for key, v in values.items() if key in x]
        lx, ly = left + (i % legend_columns) * column, legend_top + (i // legend_columns) * 18
        body.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 18}" y2="{ly}" stroke="{colour}" stroke-width="3"{dash}/>'
                    + _text(lx + 24, ly + 4, name))
    rows = -(-len(series) // legend_columns)
    return _svg(width, legend_top + rows * 18, body)
