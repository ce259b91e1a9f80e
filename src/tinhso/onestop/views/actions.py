"""The actions a user may take on a dossier from its page, as buttons with a comment.

Which buttons to show is decided here from the status and the user's roles (mirroring the
services' checks so nobody sees a button that can only fail); the services stay the judges:
whatever is posted goes through them, and their refusal is what the user sees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from tinhso.onestop import services
from tinhso.onestop.codes import TZ
from tinhso.onestop.models import Apology, Dossier

RECEIVE = "onestop.dossier.receive"
PROCESS = "onestop.dossier.process"
APPROVE = "onestop.dossier.approve"


@dataclass(frozen=True)
class ActionSpec:
    name: str
    title: Any  # the button's text
    text_label: Any  # label of the comment / reason box ("" for none)
    text_required: bool = False
    upload: str = ""  # "result" (one optional PDF) or "files" (several)
    danger: bool = False
    help: Any = ""


SPECS: dict[str, ActionSpec] = {s.name: s for s in [
    ActionSpec("receive", _("Tiếp nhận hồ sơ"), _("Ghi chú (không bắt buộc)"),
               help=_("Bắt đầu tính thời hạn giải quyết; in giấy tiếp nhận và hẹn trả.")),
    ActionSpec("request_supplement", _("Yêu cầu bổ sung"), _("Nội dung cần bổ sung"), True,
               help=_("Người nộp được báo; thời hạn tạm dừng đến khi bổ sung.")),
    ActionSpec("refuse", _("Từ chối tiếp nhận"), _("Lý do từ chối"), True, danger=True),
    ActionSpec("forward", _("Chuyển bước tiếp theo"), _("Ý kiến (không bắt buộc)"),
               help=_("Chuyển hồ sơ cho bước xử lý tiếp theo của quy trình.")),
    ActionSpec("send_back", _("Trả lại bước trước"), _("Lý do trả lại"), True),
    ActionSpec("request_payment", _("Yêu cầu nộp phí, lệ phí"), _("Ghi chú (không bắt buộc)")),
    ActionSpec("confirm_payment", _("Xác nhận đã nộp phí tại quầy"),
               _("Ghi chú (không bắt buộc)")),
    ActionSpec("approve", _("Phê duyệt kết quả"), _("Ý kiến (không bắt buộc)"),
               upload="result", help=_("Đính kèm kết quả điện tử (PDF) nếu có.")),
    ActionSpec("return_result", _("Trả kết quả"), _("Ghi chú (không bắt buộc)")),
    ActionSpec("stop", _("Dừng xử lý hồ sơ"), _("Lý do dừng xử lý"), True, danger=True),
    ActionSpec("apology_draft", _("Lập phiếu xin lỗi, hẹn lại"), _("Lý do chậm trễ"), True),
    ActionSpec("apology_approve", _("Duyệt phiếu xin lỗi"), ""),
    ActionSpec("supply", _("Gửi bổ sung"), _("Nội dung giải trình"), upload="files",
               help=_("Đính kèm tệp bổ sung (PDF, JPEG, PNG) hoặc ghi nội dung giải trình.")),
    ActionSpec("withdraw", _("Rút hồ sơ"), _("Lý do rút hồ sơ"), True, danger=True),
    ActionSpec("rate", _("Gửi đánh giá"), _("Góp ý (không bắt buộc)")),
]}

def pending_apology(d: Dossier) -> Apology | None:
    return d.apologies.filter(approved_at__isnull=True).order_by("-pk").first()


def available(user: Any, d: Dossier) -> list[str]:
    """The names of the actions `user` may take on `d` now (the services' rules), in the order
    the page shows them."""
    allowed = set(services.available_actions(user, d))
    return [name for name in SPECS if name in allowed]


def _local_datetime(value: str) -> dt.datetime | None:
    """A datetime-local input (Vietnam time) as an aware datetime."""
    try:
        naive = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return naive.replace(tzinfo=TZ) if naive.tzinfo is None else naive


def perform(name: str, *, d: Dossier, user: Any, post: Any, files: Any,
            revision: int | None) -> Any:
    """Run one action through its service; returns what the service returned."""
    from tinhso.core.errors import DomainError

    text = post.get("text", "")
    common = {"dossier": d, "actor": user}
    if name in ("receive", "forward", "request_payment", "confirm_payment", "return_result"):
        fn = services.ACTIONS[name]
        return fn(**common, comment=text, expected_revision=revision)
    if name in ("refuse", "request_supplement", "withdraw", "stop"):
        return services.ACTIONS[name](**common, reason=text, expected_revision=revision)
    if name == "send_back":
        return services.dossier_send_back(**common, comment=text, expected_revision=revision)
    if name == "approve":
        f = files.get("result")
        return services.dossier_approve(**common, comment=text, expected_revision=revision,
                                        result=(f.name, f) if f else None)
    if name == "supply":
        uploads = [(None, f.name, f) for f in files.getlist("files")]
        return services.dossier_supply(**common, files=uploads, comment=text,
                                       expected_revision=revision)
    if name == "apology_draft":
        new_due = _local_datetime(post.get("new_due_at", ""))
        if new_due is None:
            raise DomainError.for_field("new_due_at", str(_("Nhập ngày, giờ hẹn trả mới.")))
        return services.dossier_apology_draft(**common, reason=text, new_due_at=new_due)
    if name == "apology_approve":
        apology = pending_apology(d)
        if apology is None or str(apology.pk) != post.get("apology", ""):
            raise services.Conflict()
        return services.dossier_apology_approve(apology=apology, actor=user)
    if name == "rate":
        scores: dict[str, int] = {}
        for code in services.RATING_INDICATORS:
            raw = post.get(f"score_{code}", "")
            if raw not in ("0", "1", "2"):
                raise DomainError.for_field(f"scores.{code}",
                                            str(_("Chọn một mức cho từng tiêu chí.")))
            scores[code] = int(raw)
        return services.dossier_rate(**common, scores=scores, comment=text)
    raise services.Conflict()
