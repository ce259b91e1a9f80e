"""Forms of the documents workspace. They check only what a browser sends (shape, lengths,
choices); the rules stay in `services`, whose field errors are put back on these forms by
`add_domain_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import User
from tinhso.core.errors import DomainError
from tinhso.directory.models import Agency
from tinhso.documents.kinds import Confidentiality, DocType, Urgency
from tinhso.documents.models import SUBJECT_MAX

REQUIRED = {"required": _("Cần nhập nội dung này.")}
CHOICE = {
    "required": _("Cần chọn một giá trị."),
    "invalid_choice": _("Lựa chọn không hợp lệ."),
    "invalid_pk_value": _("Lựa chọn không hợp lệ."),
    "invalid_list": _("Lựa chọn không hợp lệ."),
}
# Service field names that are not the form's own.
FIELD_ALIASES = {"type": "doc_type", "scores": None}


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name or obj.username)


class DocumentForm(forms.Form):
    """A draft's fields (drafting and revising)."""

    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), label=_("Cơ quan ban hành"), error_messages=CHOICE
    )
    doc_type = forms.ChoiceField(
        choices=DocType.choices,
        label=_("Loại văn bản"),
        initial=DocType.CONG_VAN,
        error_messages=CHOICE,
    )
    unit_abbr = forms.CharField(
        label=_("Đơn vị soạn thảo (viết tắt)"),
        required=False,
        max_length=16,
        help_text=_("Bắt buộc với công văn: ký hiệu ghi tên đơn vị soạn thảo, ví dụ VP."),
    )
    subject = forms.CharField(
        label=_("Trích yếu"),
        max_length=SUBJECT_MAX,
        error_messages={**REQUIRED, "max_length": _("Trích yếu dài quá 500 ký tự.")},
    )
    body = forms.CharField(
        label=_("Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices, label=_("Độ khẩn"), initial=Urgency.NORMAL, error_messages=CHOICE
    )
    confidentiality = forms.ChoiceField(
        choices=Confidentiality.choices,
        label=_("Độ mật"),
        initial=Confidentiality.NORMAL,
        error_messages=CHOICE,
        help_text=_("Văn bản mật không được gửi qua mạng."),
    )
    recipients = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        label=_("Cơ quan nhận"),
        required=False,
        error_messages=CHOICE,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Giữ phím Ctrl (trên điện thoại: chạm) để chọn nhiều cơ quan."),
    )
    recipient_lines = forms.CharField(
        label=_("Nơi nhận khác"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi dòng một nơi nhận, ví dụ: Như trên; Lưu: VT, VP."),
    )
    signer = PersonChoice(
        queryset=User.objects.none(),
        label=_("Người ký"),
        required=False,
        error_messages=CHOICE,
        help_text=_("Lãnh đạo sẽ ký văn bản; để trống nếu chưa xác định."),
    )
    comment = forms.CharField(
        label=_("Ghi chú (không bắt buộc)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, agencies: Any, recipients: Any, signers: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["agency"].queryset = agencies
        fields["recipients"].queryset = recipients
        fields["signer"].queryset = signers
        if agencies.count() == 1:
            fields["agency"].initial = agencies.first().pk
            fields["agency"].widget = forms.HiddenInput()

    def lines(self) -> list[str]:
        raw = self.cleaned_data.get("recipient_lines", "")
        return [line.strip() for line in raw.splitlines() if line.strip()]


class ActionForm(forms.Form):
    """One step from a document's or an incoming record's page: the action, the revision the
    page showed, a comment, and for incoming records what the step needs."""

    action = forms.CharField(max_length=20)
    revision = forms.IntegerField(required=False, min_value=1)
    text = forms.CharField(
        required=False, max_length=4000, error_messages={"max_length": _("Dài quá 4000 ký tự.")}
    )
    assignee = forms.IntegerField(required=False)
    assigned_unit = forms.CharField(
        required=False, max_length=150, error_messages={"max_length": _("Dài quá 150 ký tự.")}
    )
    deadline = forms.DateField(required=False, error_messages={"invalid": _("Ngày không hợp lệ.")})


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Put a service's refusal on the form: each field error on its field when the form has
    it, else on the form as a whole."""
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for e in exc.errors:
        name: str | None = FIELD_ALIASES.get(e.field, e.field)
        if name not in form.fields:
            name = None
        form.add_error(name, e.message)


class AttachmentForm(forms.Form):
    """One separately filed attachment of a draft: its title and its PDF. Optional on the new
    draft's page (`required=False`: both left empty adds none)."""

    title = forms.CharField(
        label=_("Tên phụ lục"),
        max_length=SUBJECT_MAX,
        error_messages={**REQUIRED, "max_length": _("Tên phụ lục dài quá 500 ký tự.")},
        help_text=_("Ví dụ: Phụ lục I. Danh mục các xã được hỗ trợ"),
    )
    file = forms.FileField(
        label=_("Tệp PDF của phụ lục"),
        error_messages={
            "required": _("Hãy chọn tệp PDF của phụ lục."),
            "empty": _("Tệp đã chọn không có nội dung."),
            "invalid": _("Hãy chọn tệp PDF của phụ lục."),
        },
        help_text=_(
            "Chỉ nhận tệp PDF không đặt mật khẩu, không chứa JavaScript hay tệp đính "
            "kèm; khi văn bản được ban hành, phụ lục được ký số cơ quan ở góc trên bên "
            "phải trang đầu."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, optional: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optional = optional
        if optional:
            for name in ("title", "file"):
                self.fields[name].required = False

    def wanted(self) -> bool:
        """Whether the user filled in an attachment (on the new draft's page, it is optional)."""
        data = self.cleaned_data
        return bool(data.get("title") or data.get("file"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.optional and (data.get("title") or data.get("file")):
            if not data.get("title"):
                self.add_error("title", str(REQUIRED["required"]))
            if not data.get("file"):
                self.add_error("file", _("Hãy chọn tệp PDF của phụ lục."))
        return data
