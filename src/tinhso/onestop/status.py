"""Dossier statuses and the moves between them.

Codes and strings as exchanged with the National Public Service Portal (DVCQG); each status
maps one-to-one, never collapsed (an existing provincial system sends 5, 6 and 8 as 9: we don't).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.IntegerChoices):
    SUBMITTED = 1, pgettext_lazy("dossier status", "Mới nộp, chờ tiếp nhận")
    RECEIVED = 2, pgettext_lazy("dossier status", "Đã tiếp nhận")
    REFUSED = 3, pgettext_lazy("dossier status", "Từ chối tiếp nhận")
    PROCESSING = 4, pgettext_lazy("dossier status", "Đang xử lý")
    SUPPLEMENT = 5, pgettext_lazy("dossier status", "Chờ bổ sung hồ sơ")
    PAYING = 6, pgettext_lazy("dossier status", "Chờ thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, pgettext_lazy("dossier status", "Công dân rút hồ sơ")
    STOPPED = 8, pgettext_lazy("dossier status", "Dừng xử lý")
    RESULT_READY = 9, pgettext_lazy("dossier status", "Đã có kết quả, chờ trả")
    RETURNED = 10, pgettext_lazy("dossier status", "Đã trả kết quả")


# The strings the national portal uses for each code.
DVCQG_STRINGS = {
    Status.SUBMITTED: "receiving",
    Status.RECEIVED: "new",
    Status.REFUSED: "denied",
    Status.PROCESSING: "processing",
    Status.SUPPLEMENT: "waiting",
    Status.PAYING: "paying",
    Status.WITHDRAWN: "cancelled",
    Status.STOPPED: "unresolved",
    Status.RESULT_READY: "releasing",
    Status.RETURNED: "done",
}

# Dossiers the agency still owes work on (the clock may be running or paused).
OPEN = frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYING})
# Statuses in which the statutory clock does not run.
CLOCK_PAUSED = frozenset({Status.SUPPLEMENT, Status.PAYING})
# Ended without a result.
ENDED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED})
# Resolved: the agency produced its result.
RESOLVED = frozenset({Status.RESULT_READY, Status.RETURNED})


class Channel(models.IntegerChoices):
    """How the dossier arrived, coded as existing systems code it."""

    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POSTAL = 3, _("Bưu chính công ích")


class Timeliness(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")
