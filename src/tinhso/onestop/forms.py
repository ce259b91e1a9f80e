"""Forms of the one-stop pages. They check what a browser sends (shape, required fields, file
types by content); the rules themselves stay in `services`, whose field errors are mapped back
onto these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.catalog.models import ProcedureVersion, RequiredDocument
from tinhso.core.errors import DomainError
from tinhso.onestop import files as filestore
from tinhso.onestop.codes import InvalidDossierCode, normalize_dossier_code

# The file types the store accepts, as a file input's `accept` and as shown to people.
ACCEPT = {"pdf": ".pdf,application/pdf", "jpg": ".jpg,.jpeg,image/jpeg",
          "jpeg": ".jpg,.jpeg,image/jpeg", "png": ".png,image/png"}
TYPE_NAMES = {"pdf": "PDF", "jpg": "JPEG", "jpeg": "JPEG", "png": "PNG"}
CONTENT_FIELD = "noi_dung_yeu_cau"


class TrackingForm(forms.Form):
    code = forms.CharField(
        label=_("Mã hồ sơ"), max_length=40,
        error_messages={"required": _("Nhập mã hồ sơ ghi trên giấy tiếp nhận."),
                        "max_length": _("Mã hồ sơ dài quá 40 ký tự.")},
    )

    def clean_code(self) -> str:
        try:
            return normalize_dossier_code(self.cleaned_data["code"])
        except InvalidDossierCode:
            raise forms.ValidationError(
                _("Mã hồ sơ không đúng dạng: cần dạng 000.01.01.H56-251127-0001."),
                code="invalid") from None


def document_types(doc: RequiredDocument) -> list[str]:
    """The accepted types of a required document among those the store takes (all three when
    the catalog lists none of them)."""
    wanted = [t.lower() for t in doc.file_type_list]
    kept: list[str] = []
    for t in wanted:
        name = TYPE_NAMES.get(t)
        if name and name not in kept:
            kept.append(name)
    return kept or ["PDF", "JPEG", "PNG"]


def _accept(types: list[str]) -> str:
    by_name = {"PDF": ACCEPT["pdf"], "JPEG": ACCEPT["jpg"], "PNG": ACCEPT["png"]}
    return ",".join(by_name[t] for t in types)


class ContentCheckedFileField(forms.FileField):
    """A file checked by its bytes with the store's own check (PDF, JPEG, PNG; size limit)."""

    def __init__(self, *args: Any, types: list[str], **kwargs: Any) -> None:
        self.types = types
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if value:
            try:
                upload = filestore.file_check(value.name, value)
            except DomainError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
            name = TYPE_NAMES.get(upload.ext, upload.ext.upper())
            if name not in self.types:
                raise forms.ValidationError(
                    _("Giấy tờ này cần tệp %(types)s; tệp “%(name)s” là %(got)s.")
                    % {"types": ", ".join(self.types), "name": upload.name, "got": name},
                    code="file_type")
        return value


class SubmitForm(forms.Form):
    """Online submission: the applicant's contact details, the request, one file per required
    document. Field names are those of `services.dossier_submit`, so its field errors land on
    the right field."""

    applicant_name = forms.CharField(label=_("Họ và tên người nộp"), max_length=150,
                                     widget=forms.TextInput(attrs={"autocomplete": "name"}))
    applicant_id_number = forms.CharField(
        label=_("Số định danh cá nhân hoặc mã số thuế"), max_length=20,
        help_text=_("12 chữ số của căn cước, hoặc mã số thuế của doanh nghiệp."))
    applicant_address = forms.CharField(
        label=_("Địa chỉ liên hệ"), max_length=255, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    applicant_phone = forms.CharField(
        label=_("Số điện thoại"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    applicant_email = forms.EmailField(
        label=_("Thư điện tử"), max_length=254, required=False,
        help_text=_("Để nhận thông báo về hồ sơ."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    content = forms.CharField(label=_("Nội dung yêu cầu"), widget=forms.Textarea(
        attrs={"rows": 4}), max_length=4000)

    def __init__(self, *args: Any, version: ProcedureVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.documents = list(version.documents.all())
        self.document_fields: list[tuple[RequiredDocument, str]] = []
        for doc in self.documents:
            types = document_types(doc)
            name = f"doc_{doc.pk}"
            self.fields[name] = ContentCheckedFileField(
                label=doc.name, required=doc.is_mandatory, types=types,
                error_messages={"required": _("Cần đính kèm giấy tờ bắt buộc này.")},
                widget=forms.ClearableFileInput(attrs={"accept": _accept(types)}),
            )
            self.fields[name].accepted = ", ".join(types)  # type: ignore[attr-defined]
            self.fields[name].mandatory = doc.is_mandatory  # type: ignore[attr-defined]
            self.document_fields.append((doc, name))
        for name in ("applicant_name", "applicant_id_number", "content"):
            self.fields[name].error_messages["required"] = _("Cần nhập nội dung này.")
        self.fields["applicant_email"].error_messages["invalid"] = _(
            "Địa chỉ thư điện tử không hợp lệ.")

    def document_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for _doc, name in self.document_fields]

    def contact_bound_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("applicant_name", "applicant_id_number", "applicant_address",
                                  "applicant_phone", "applicant_email")]

    def uploads(self) -> list[tuple[int, str, Any]]:
        out = []
        for doc, name in self.document_fields:
            f = self.cleaned_data.get(name)
            if f:
                out.append((doc.pk, f.name, f))
        return out

    def add_domain_error(self, exc: DomainError) -> None:
        """Put a service's field errors on the matching fields (the rest on the form)."""
        if not exc.errors:
            self.add_error(None, exc.message)
            return
        for err in exc.errors:
            target = {"form_data": "content"}.get(err.field, err.field)
            if target.startswith("form_data"):
                target = "content"
            if target in self.fields and target not in ("files",):
                self.add_error(target, err.message)
            else:
                self.add_error(None, err.message)
