"""Small inline SVG bar charts, drawn on the server: no script, nothing fetched from elsewhere."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape


def bar_chart(values: Mapping[str, int], *, width: int = 460, bar: int = 22, label_width: int = 215) -> Markup:
    """Horizontal bars, one per label, with the value at the end of each bar."""
    if not values:
        return Markup("<p>Нет данных</p>")
    top = max(values.values()) or 1
    room = width - label_width - 40
    rows = []
    for i, (label, value) in enumerate(values.items()):
        y = i * (bar + 6)
        length = max(2, round(room * value / top))
        rows.append(
            f'<text x="0" y="{y + bar - 6}" font-size="13">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar}" fill="#1f4e79" rx="3"/>'
            f'<text x="{label_width + length + 6}" y="{y + bar - 6}" font-size="13">{value}</text>')
    height = len(values) * (bar + 6)
    return Markup(f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                  f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>')
