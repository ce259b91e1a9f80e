"""The SVG charts moved to `tinhso.core.charts` (so that `opendata` can draw them too); this
name stays for the indicators' importers."""

from tinhso.core.charts import bar_chart, describe, escape, line_chart

__all__ = ["bar_chart", "describe", "escape", "line_chart"]
