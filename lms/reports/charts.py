"""Charts drawn on the server as inline SVG: no script, no outside asset, printable, and sized by
their viewBox so they shrink to a 390 px phone. Each function returns the geometry a template
macro (templates/reports/_charts.html) writes out; labels stay text, so they can be read aloud
and searched."""

import math
from dataclasses import dataclass

BAR_HEIGHT = 14
BAR_GAP = 26  # a label line above every bar: long school names never squeeze the bars
CHART_WIDTH = 320


@dataclass
class Bar:
    label: str
    value: float | None  # 0..1 for shares
    text: str
    y: int
    width: float


def bars(rows, target=None):
    """Horizontal bars, one per (label, share 0..1 or None, text), with an optional target line."""
    out = []
    for i, (label, value, text) in enumerate(rows):
        share = max(0.0, min(1.0, value or 0.0))
        out.append(Bar(label, value, text, i * (BAR_HEIGHT + BAR_GAP), round(share * CHART_WIDTH, 1)))
    height = max(len(out), 1) * (BAR_HEIGHT + BAR_GAP)
    return {"bars": out, "height": height, "width": CHART_WIDTH, "bar_height": BAR_HEIGHT,
            "target_x": round(target * CHART_WIDTH, 1) if target is not None else None}


def columns(months, series, height=120):
    """Vertical columns per month for one series {month: n}; the tallest fills the height."""
    values = [series.get(m, 0) for m in months]
    top = max(values) or 1
    step = CHART_WIDTH / max(len(months), 1)
    cols = []
    for i, (month, n) in enumerate(zip(months, values, strict=True)):
        h = round(n / top * height, 1)
        cols.append({"x": round(i * step + step * 0.15, 1), "w": round(step * 0.7, 1), "y": round(height - h, 1),
                     "h": h, "n": n, "label": month[5:] + "/" + month[2:4], "month": month})
    return {"columns": cols, "height": height, "width": CHART_WIDTH, "top": top}


def gauge(share, target):
    """A half-circle gauge: the arc up to `share` (0..1) and a tick at `target`."""
    cx, cy, r = 100, 100, 80

    def point(fraction):
        angle = math.pi * (1 - max(0.0, min(1.0, fraction)))
        return round(cx + r * math.cos(angle), 2), round(cy - r * math.sin(angle), 2)

    start = point(0)
    end = point(share or 0)
    tx, ty = point(target)
    inner = (round(cx + (r - 14) * (tx - cx) / r, 2), round(cy + (r - 14) * (ty - cy) / r, 2))
    outer = (round(cx + (r + 10) * (tx - cx) / r, 2), round(cy + (r + 10) * (ty - cy) / r, 2))
    return {
        "track": f"M {start[0]} {start[1]} A {r} {r} 0 0 1 {point(1)[0]} {point(1)[1]}",
        "value": f"M {start[0]} {start[1]} A {r} {r} 0 0 1 {end[0]} {end[1]}" if share else "",
        "tick": (inner, outer),
        "met": share is not None and share >= target,
    }
