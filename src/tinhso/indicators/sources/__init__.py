"""One module per source app, each registering that app's indicators."""

from __future__ import annotations


def register_all() -> None:
    from tinhso.indicators.sources import catalog, documents, dx, entered, onestop, opendata

    onestop.register_indicators()
    catalog.register_indicators()
    entered.register_indicators()
    dx.register_indicators()
    documents.register_indicators()
    opendata.register_indicators()
