"""Telling the applicant what happened to their dossier. Services call `notify_applicant`
inside their transaction; it records a notification (tinhso.notifications), which a background
task sends after commit, with retries. E-mail today; SMS and Zalo through the notification
adapters once a province configures them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.notifications.adapters import channel_configured
from tinhso.notifications.services import notification_queue
from tinhso.onestop.models import Dossier

SUBJECTS = {
    "submitted": gettext_lazy("Hồ sơ %(code)s đã được nộp"),
    "received": gettext_lazy("Hồ sơ %(code)s đã được tiếp nhận"),
    "refused": gettext_lazy("Hồ sơ %(code)s bị từ chối tiếp nhận"),
    "supplement": gettext_lazy("Hồ sơ %(code)s cần bổ sung"),
    "paying": gettext_lazy("Hồ sơ %(code)s chờ thực hiện nghĩa vụ tài chính"),
    "result_ready": gettext_lazy("Hồ sơ %(code)s đã có kết quả"),
    "returned": gettext_lazy("Hồ sơ %(code)s đã trả kết quả"),
    "withdrawn": gettext_lazy("Hồ sơ %(code)s đã được rút"),
    "stopped": gettext_lazy("Hồ sơ %(code)s bị dừng xử lý"),
    "apology": gettext_lazy("Xin lỗi và hẹn lại ngày trả kết quả hồ sơ %(code)s"),
}


def notify_applicant(dossier: Dossier, event: str) -> None:
    """Queue the messages the applicant should get for `event` (inside the caller's
    transaction: rolled back with it)."""
    if not (dossier.applicant_email or dossier.applicant_phone):
        return
    subject = str(SUBJECTS.get(event, _("Hồ sơ %(code)s có cập nhật"))) % {"code": dossier.code}
    body = _(
        "Kính gửi %(name)s,\n\nHồ sơ %(code)s (%(procedure)s) hiện ở trạng thái: %(status)s.\n"
        "Tra cứu hồ sơ bằng mã trên cổng dịch vụ công của tỉnh.\n"
    ) % {"name": dossier.applicant_name, "code": dossier.code,
         "procedure": dossier.version.name, "status": dossier.get_status_display()}
    if dossier.applicant_email:
        notification_queue(channel="email", recipient=dossier.applicant_email, subject=subject,
                           body=body, reference=dossier.code)
    if dossier.applicant_phone and channel_configured("sms"):
        notification_queue(channel="sms", recipient=dossier.applicant_phone, subject=subject,
                           body=f"{subject}. {dossier.get_status_display()}.", reference=dossier.code)
