"""The report's sentences, in Vietnamese, in the words of the provinces' Steering Committee
reports: "đã tiếp nhận 986.337 hồ sơ; đã xử lý 947.069 hồ sơ; tỷ lệ hồ sơ được giải quyết
đúng và trước hạn đạt 98,26%". The report is a Vietnamese administrative document: these
sentences are not translated."""

from __future__ import annotations

from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Pillar, Value
from tinhso.indicators.report.data import STATUS_VI, Figure, PillarSection, Report, target_text
from tinhso.indicators.report.numbers import vn_number, vn_rate, vn_value

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_vi(period: Period) -> str:
    """"năm 2022", "quý III năm 2026", "tháng 7 năm 2026"."""
    if period.kind == "quarter":
        return f"quý {ROMAN[period.number]} năm {period.year}"
    if period.kind == "month":
        return f"tháng {period.number} năm {period.year}"
    return f"năm {period.year}"


def _v(figures: dict[str, Figure], code: str) -> Figure | None:
    return figures.get(code)


def no_data(value: Value | None) -> bool:
    """Nothing counted: no value, or a count of zero / a rate with nothing to divide (a period
    with no rollup rows reads as zero; the report says "no data", never "up by N" from it)."""
    return value is None or value.value is None or (not value.numerator
                                                    and not value.denominator)


def change_text(f: Figure) -> str:
    """" (tăng 1.234 hồ sơ so với kỳ trước)", " (giảm 0,50 điểm phần trăm ...)", or "" (no
    previous period, or nothing counted in it)."""
    change = f.change
    if change is None or no_data(f.previous):
        return ""
    if change == 0:
        return " (bằng kỳ trước)"
    word = "tăng" if change > 0 else "giảm"
    if f.indicator.kind == "rate":
        amount = f"{vn_number(abs(change), 2)} điểm phần trăm"
    else:
        amount = vn_number(abs(change))
    return f" ({word} {amount} so với kỳ trước)"


NO_DOSSIER = "chưa phát sinh hồ sơ trong kỳ"


def _rate_words(f: Figure, none: str = NO_DOSSIER) -> str:
    """" đạt 60,83%", or why there is no rate (": chưa phát sinh hồ sơ trong kỳ")."""
    if f.value.value is None:
        return f": {none}"
    return f" đạt {vn_rate(f.value.value)}"


def onestop_sentences(figures: dict[str, Figure], previous: Period | None = None) -> list[str]:
    """The one-stop paragraph, as the source report words it: received, resolved, the on-time
    rate; the comparison with the previous period (or that it has no data); the online,
    payment and electronic-result rates."""
    received, resolved, on_time = (_v(figures, "onestop.received"),
                                   _v(figures, "onestop.resolved"),
                                   _v(figures, "onestop.on_time_rate"))
    out: list[str] = []
    parts = []
    if received is not None:
        parts.append(f"đã tiếp nhận {vn_number(received.value.value)} hồ sơ")
    if resolved is not None:
        parts.append(f"đã xử lý {vn_number(resolved.value.value)} hồ sơ")
    if on_time is not None:
        parts.append("tỷ lệ hồ sơ được giải quyết đúng và trước hạn"
                     + _rate_words(on_time, "chưa có hồ sơ được giải quyết trong kỳ"))
    if parts:
        out.append("Về giải quyết thủ tục hành chính, các cơ quan, đơn vị "
                   + "; ".join(parts) + ".")
    pairs = [f for code in ("onestop.received", "onestop.on_time_rate")
             if (f := _v(figures, code)) is not None]
    if previous is not None and pairs and all(no_data(f.previous) for f in pairs):
        out.append(f"Kỳ trước ({period_vi(previous)}) chưa có số liệu để so sánh.")
    else:
        compared = [words + change_text(f).strip(" ()").replace(" so với kỳ trước", "")
                    for code, words in (("onestop.received", "số hồ sơ tiếp nhận "),
                                        ("onestop.on_time_rate", "tỷ lệ đúng hạn "))
                    if (f := _v(figures, code)) is not None and change_text(f)]
        if compared:
            out.append("So với kỳ trước, " + "; ".join(compared) + ".")
    rates = []
    for code, words, none in (
            ("onestop.online_rate", "tỷ lệ hồ sơ nộp trực tuyến", NO_DOSSIER),
            ("onestop.online_payment_rate", "tỷ lệ thanh toán trực tuyến",
             "chưa phát sinh khoản thanh toán trong kỳ"),
            ("onestop.electronic_result_rate", "tỷ lệ hồ sơ trả kết quả điện tử",
             "chưa có hồ sơ được giải quyết trong kỳ")):
        f = _v(figures, code)
        if f is not None:
            rates.append(words + _rate_words(f, none))
    if rates:
        text = "; ".join(rates)
        out.append(text[0].upper() + text[1:] + ".")
    return out


ONESTOP_WORDED = {"onestop.received", "onestop.resolved", "onestop.on_time_rate",
                  "onestop.online_rate", "onestop.online_payment_rate",
                  "onestop.electronic_result_rate"}


def figure_sentence(f: Figure) -> str:
    """"<name> đạt 60,83% (tăng ...)."; with no value, why: an entered figure not yet verified,
    a computed rate with nothing to divide (no dossier, no document... in the period)."""
    name = f.indicator.name_vi
    if f.value.value is None:
        if f.indicator.entered:
            return f"{name}: chưa có số liệu được xác nhận."
        if f.indicator.source == "onestop":
            return f"{name}: {NO_DOSSIER}."
        return f"{name}: chưa có số liệu trong kỳ."
    value = vn_value(f.value.value, f.indicator.kind)
    verb = "đạt" if f.indicator.kind == "rate" else "là"
    return f"{name} {verb} {value}{change_text(f)}."


def target_sentence(f: Figure, year: int) -> str:
    if f.target is None:
        return ""
    return (f"Chỉ tiêu năm {year} về {f.indicator.name_vi[0].lower()}"
            f"{f.indicator.name_vi[1:]}: {target_text(f.target, f.indicator.kind)}; "
            f"kết quả: {STATUS_VI[f.status].lower()}.")


def pillar_sentences(section: PillarSection, report: Report) -> list[str]:
    figures = {f.indicator.code: f for f in section.figures}
    out = (onestop_sentences(figures, report.previous_period)
           if section.pillar == Pillar.GOVERNMENT else [])
    for f in section.figures:
        if f.indicator.code not in ONESTOP_WORDED:
            out.append(figure_sentence(f))
    for f in section.figures:
        if f.target is not None:
            out.append(target_sentence(f, report.period.year))
    if not out:
        out.append("Chưa có chỉ số được đo trong kỳ.")
    return out


def title(report: Report) -> str:
    return f"Báo cáo kết quả chuyển đổi số {period_vi(report.period)}"


def intro(report: Report) -> str:
    previous = (f", so sánh với {period_vi(report.previous_period)}"
                if report.previous_period else "")
    return (f"Ban Chỉ đạo chuyển đổi số {report.province_name} báo cáo kết quả thực hiện "
            f"{period_vi(report.period)}{previous}, từ số liệu của nền tảng Tỉnh số.")


def attainment_sentence(report: Report) -> str:
    total = report.summary.get("total", {})
    if not isinstance(total, dict) or not total.get("total"):
        return f"Chưa có chỉ tiêu được giao cho năm {report.period.year}."
    return (f"Năm {report.period.year} có {vn_number(total['total'])} chỉ tiêu được giao: "
            f"{vn_number(total.get('green', 0))} chỉ tiêu đạt, "
            f"{vn_number(total.get('amber', 0))} chỉ tiêu gần đạt, "
            f"{vn_number(total.get('red', 0))} chỉ tiêu chưa đạt, "
            f"{vn_number(total.get('none', 0))} chỉ tiêu chưa có số liệu.")
