"""The publishers' forms: shape only. What a dataset or resource may hold is checked by the
services (`opendata.validation`), whose field errors `add_domain_errors` puts back on the
form, in the services' words."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.core.errors import DomainError
from tinhso.directory.models import Agency
from tinhso.opendata import uploads
from tinhso.opendata.dictize import org_name
from tinhso.opendata.licenses import LICENSES
from tinhso.opendata.models import AccessLevel, Frequency, Group

# A service's field name -> the form's, where they differ.
FIELD_ALIASES = {"tag_string": "tags", "package_id": None}


def add_domain_errors(form: forms.Form, exc: DomainError) -> None:
    """Each field error on its field when the form has it (resources.0.url -> url), else on
    the form as a whole."""
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for e in exc.errors:
        name: str | None = FIELD_ALIASES.get(e.field, e.field.rsplit(".", 1)[-1])
        if name not in form.fields:
            name = None
        form.add_error(name, e.message)


def _date(**kw: Any) -> forms.DateField:
    return forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kw
    )


class DatasetForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề"), max_length=500)
    name = forms.CharField(
        label=_("Tên định danh (dùng trong đường dẫn)"),
        max_length=100,
        help_text=_("Chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ: ho-so-theo-thang."),
    )
    notes = forms.CharField(
        label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    owner_org = forms.ChoiceField(label=_("Cơ quan công bố"))
    access_level = forms.ChoiceField(label=_("Mức truy cập"), choices=AccessLevel.choices)
    license_id = forms.ChoiceField(label=_("Giấy phép"), required=False)
    frequency = forms.ChoiceField(
        label=_("Tần suất cập nhật"),
        required=False,
        choices=[("", _("(chưa chọn)")), *Frequency.choices],
    )
    temporal_start = _date(label=_("Dữ liệu từ ngày"))
    temporal_end = _date(label=_("Dữ liệu đến ngày"))
    spatial_units = forms.CharField(
        label=_("Phạm vi địa lý: mã đơn vị hành chính"),
        required=False,
        max_length=2000,
        help_text=_("Cách nhau bởi dấu phẩy, ví dụ: 38, 14755."),
    )
    tags = forms.CharField(
        label=_("Từ khóa"), required=False, max_length=2000, help_text=_("Cách nhau bởi dấu phẩy.")
    )
    groups = forms.MultipleChoiceField(
        label=_("Chủ đề"), required=False, widget=forms.CheckboxSelectMultiple
    )
    maintainer = forms.CharField(label=_("Người liên hệ"), required=False, max_length=255)
    maintainer_email = forms.CharField(
        label=_("Thư điện tử liên hệ"), required=False, max_length=255
    )

    def __init__(self, *args: Any, agencies: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["owner_org"].choices = [(org_name(a), a.name) for a in agencies]
        fields["license_id"].choices = [("", _("(chưa chọn)"))] + [
            (k, lic.title) for k, lic in LICENSES.items()
        ]
        fields["groups"].choices = [
            (g.name, g.title) for g in Group.objects.filter(is_active=True).order_by("title")
        ]

    @staticmethod
    def initial_of(ds: Any) -> dict[str, Any]:
        return {
            "title": ds.title,
            "name": ds.name,
            "notes": ds.notes,
            "owner_org": org_name(ds.owner_org),
            "access_level": ds.access_level,
            "license_id": ds.license_id,
            "frequency": ds.frequency,
            "temporal_start": ds.temporal_start,
            "temporal_end": ds.temporal_end,
            "spatial_units": ", ".join(u.code for u in ds.spatial_units.all()),
            "tags": ", ".join(t.name for t in ds.tags.all()),
            "groups": [g.name for g in ds.groups.all()],
            "maintainer": ds.maintainer,
            "maintainer_email": ds.maintainer_email,
        }

    def data_dict(self) -> dict[str, Any]:
        """The form as the dictionary `package_create` / `package_patch` take."""
        c = self.cleaned_data

        def listed(text: str) -> list[str]:
            return [x.strip() for x in (text or "").split(",") if x.strip()]

        return {
            "title": c["title"],
            "name": c["name"].strip(),
            "notes": c["notes"],
            "owner_org": c["owner_org"],
            "access_level": c["access_level"],
            "license_id": c["license_id"],
            "frequency": c["frequency"],
            "temporal_start": c["temporal_start"].isoformat() if c["temporal_start"] else "",
            "temporal_end": c["temporal_end"].isoformat() if c["temporal_end"] else "",
            "spatial_units": listed(c["spatial_units"]),
            "tags": [{"name": t} for t in listed(c["tags"])],
            "groups": [{"name": g} for g in c["groups"]],
            "maintainer": c["maintainer"],
            "maintainer_email": c["maintainer_email"],
        }


class ResourceForm(forms.Form):
    name = forms.CharField(label=_("Tên tài nguyên"), max_length=500)
    description = forms.CharField(
        label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    upload = forms.FileField(label=_("Tải tệp lên"), required=False)
    url = forms.CharField(
        label=_("Hoặc đường dẫn tới dữ liệu"),
        required=False,
        max_length=2000,
        widget=forms.URLInput,
    )
    format = forms.CharField(
        label=_("Định dạng (CSV, XLSX, JSON, PDF…)"),
        required=False,
        max_length=32,
        help_text=_("Để trống: lấy theo đuôi tệp."),
    )
    access_level = forms.ChoiceField(
        label=_("Mức truy cập của tài nguyên"),
        required=False,
        choices=[("", _("Theo mức của bộ dữ liệu")), *AccessLevel.choices],
    )
    shared_with = forms.MultipleChoiceField(
        label=_("Chia sẻ với cơ quan (khi tài nguyên là riêng)"),
        required=False,
        help_text=_("Ngoài cơ quan chủ quản, chỉ các cơ quan được chọn thấy tài nguyên riêng."),
    )

    def __init__(
        self, *args: Any, upload_too_big: bool = False, stored_file: str = "", **kwargs: Any
    ) -> None:
        """`upload_too_big`: the file went past the size limit while it was received and was
        dropped (`opendata.uploads`). `stored_file`: editing a resource whose file is kept
        unless a new file or a link is given (its name)."""
        super().__init__(*args, **kwargs)
        self.upload_too_big = upload_too_big
        self.stored_file = stored_file
        hint = _("Tối đa %(limit)s.") % {"limit": uploads.limit_text()}
        if stored_file:
            hint = _(
                "Tệp hiện tại: %(name)s. Chọn tệp mới để thay thế; các phiên bản cũ vẫn tải "
                "về được. Tối đa %(limit)s."
            ) % {"name": stored_file, "limit": uploads.limit_text()}
            self.fields["url"].label = _("Hoặc thay bằng đường dẫn tới dữ liệu")
            self.fields["url"].help_text = _("Để trống: giữ tệp hiện tại.")
        self.fields["upload"].help_text = hint
        cast(forms.ChoiceField, self.fields["shared_with"]).choices = [
            (org_name(a), a.name) for a in Agency.objects.filter(is_active=True).order_by("name")
        ]

    @staticmethod
    def initial_of(res: Any) -> dict[str, Any]:
        """A resource's values on the edit form (an uploaded file's name is not a link); a
        field added to the form goes here and in `_values`."""
        return {
            "name": res.name,
            "description": res.description,
            "url": "" if res.url_type == "upload" else res.url,
            "format": res.format,
            "access_level": res.access_level,
            "shared_with": [org_name(a) for a in res.shared_with.all()],
        }

    def clean(self) -> dict[str, Any]:
        c = super().clean() or {}
        if self.upload_too_big:
            self.add_error("upload", uploads.too_big_message())
        elif not c.get("upload") and not c.get("url") and not self.stored_file:
            self.add_error("upload", _("Cần chọn tệp để tải lên hoặc nhập đường dẫn."))
        elif c.get("upload") and c.get("url"):
            self.add_error("url", _("Chỉ chọn một: tệp tải lên hoặc đường dẫn."))
        return c

    def data_dict(self, package_id: str) -> dict[str, Any]:
        """The form as the dictionary `resource_create` takes."""
        return {"package_id": package_id, **self._values()}

    def patch_dict(self, res: Any) -> dict[str, Any]:
        """The form as the dictionary `resource_patch` takes for `res`: the fields the form
        does not show stay; a kept file sends neither `upload` nor `url`; a new link drops
        the size, hash and type that described the old target."""
        out = {"id": str(res.pk), **self._values()}
        url = out.get("url")
        if url is not None and (res.url_type == "upload" or url != res.url):
            out.update({"size": None, "hash": "", "mimetype": ""})
        return out

    def _values(self) -> dict[str, Any]:
        """What the resource becomes; a field added to the form goes here."""
        c = self.cleaned_data
        out = {
            "name": c["name"],
            "description": c["description"],
            "format": c["format"],
            "access_level": c["access_level"] or None,
            "shared_with": c["shared_with"] if c["access_level"] == AccessLevel.NAMED else [],
        }
        if c.get("upload"):
            out["upload"] = c["upload"]
        elif c.get("url") or not self.stored_file:
            out["url"] = c["url"]
        return out


class AccessRequestForm(forms.Form):
    """An agency's request for a restricted dataset's data (`sharing.request_create`)."""

    agency = forms.ChoiceField(label=_("Cơ quan đề nghị"))
    purpose = forms.CharField(
        label=_("Mục đích sử dụng dữ liệu"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    wanted_until = _date(label=_("Cần dùng đến ngày"))

    def __init__(self, *args: Any, agencies: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        field = cast(forms.ChoiceField, self.fields["agency"])
        field.choices = [(str(a.pk), a.name) for a in agencies]
        if len(agencies) == 1:
            field.initial = str(agencies[0].pk)
            field.widget = forms.HiddenInput()
