"""Indicators as code: each figure the province reports (Decision 766/QĐ-TTg and others),
defined once with its formula, computed from the source apps' rollups."""
