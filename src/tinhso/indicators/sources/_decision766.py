"""The six groups of Decision 766/QĐ-TTg's service-quality index (100 points), as our
documents know them (design/regulations.md, "Service-quality index"): codes as the existing
provincial systems use them, names as the Decision's groups are commonly called. The
Decision's own text was not available to us: the exact group titles, their sub-indicators and
their points are **unconfirmed**, so the points are not carried here.

Which indicator is in which group (docs/indicators.md):
- TDGQ (progress): received, resolved, resolved early or on time, the on-time rate;
- CLGQ (online service): the online dossier rate and the procedures by online level;
- TTTT (online payment): the online payment rate;
- MDSH (digitization): digitized dossiers, dossiers reusing digitized components and
  electronic results;
- MDHL (satisfaction): ratings and the satisfaction rate;
- CKMB (transparency): no indicator of ours measures it yet."""

from __future__ import annotations

from tinhso.indicators.registry import Group

DECISION_766 = "Quyết định 766/QĐ-TTg ngày 23/6/2022"

TRANSPARENCY = Group("CKMB", "Công khai, minh bạch", "Transparency", DECISION_766)
PROGRESS = Group("TDGQ", "Tiến độ giải quyết", "Resolution progress", DECISION_766)
ONLINE_SERVICE = Group("CLGQ", "Dịch vụ trực tuyến", "Online services", DECISION_766)
ONLINE_PAYMENT = Group("TTTT", "Thanh toán trực tuyến", "Online payment", DECISION_766)
DIGITIZATION = Group("MDSH", "Số hóa hồ sơ", "Digitization of dossiers", DECISION_766)
SATISFACTION = Group("MDHL", "Mức độ hài lòng", "Satisfaction", DECISION_766)

GROUPS = (TRANSPARENCY, PROGRESS, ONLINE_SERVICE, ONLINE_PAYMENT, DIGITIZATION, SATISFACTION)
