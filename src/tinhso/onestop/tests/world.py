"""A small province for one-stop tests, built with the real services (Zulip style): a public
administration service centre, a department that resolves the procedure, a partner department
for inter-agency steps, officers with their grants, a citizen, and a procedure of three working
days with two mandatory documents and a fee."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.catalog.models import ProcedureVersion, WorkflowStep
from tinhso.catalog.tests.factories import make_procedure
from tinhso.directory.models import Agency, Role
from tinhso.onestop.models import Dossier
from tinhso.onestop.services import dossier_submit
from tinhso.onestop.status import Channel
from tinhso.signing.tests.crafted import clean_raw

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A one-page PDF a reader opens (a result must be one: `signing.pdfcheck`).
PDF = clean_raw()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
_codes = itertools.count(1)
_ids = itertools.count(1)


def vn(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def citizen_id() -> str:
    return f"0381900{next(_ids):05d}"


@dataclass
class World:
    centre: Agency
    dept: Agency
    partner: Agency
    desk: User
    specialist: User
    leader: User
    partner_specialist: User
    citizen: User
    version: ProcedureVersion

    @property
    def documents(self) -> list[Any]:
        return list(self.version.documents.order_by("position"))

    def files(self) -> list[tuple[int | None, str, bytes]]:
        return [(doc.pk, f"giay-to-{doc.position}.pdf", PDF) for doc in self.documents
                if doc.is_mandatory]

    def submit_online(self, at: dt.datetime, **kw: Any) -> Dossier:
        kw.setdefault("files", self.files())
        dossier, created = dossier_submit(
            actor=kw.pop("actor", self.citizen), procedure_code=self.version.procedure.code,
            channel=Channel.ONLINE, at=at, **kw,
        )
        assert created
        return dossier

    def submit_in_person(self, at: dt.datetime, **kw: Any) -> Dossier:
        kw.setdefault("files", self.files())
        dossier, created = dossier_submit(
            actor=self.desk, procedure_code=self.version.procedure.code,
            channel=Channel.IN_PERSON, applicant_name="Lê Thị Nộp",
            applicant_id_number=citizen_id(), at=at, **kw,
        )
        assert created
        return dossier


def make_world(*, deadline_days: int = 3, fee: int = 50_000, inter_agency: bool = False,
               **procedure: Any) -> World:
    centre = AgencyFactory(name="Trung tâm Phục vụ hành chính công tỉnh",
                           kind=Agency.Kind.SERVICE_CENTRE)
    dept = AgencyFactory(name="Sở Tư pháp")
    partner = AgencyFactory(name="Sở Tài chính")
    n = next(_codes)
    version = make_procedure(
        dept, code=f"1.{9000 + n:06d}", name=f"Cấp phiếu lý lịch tư pháp {n}",
        government_level="province", deadline_value=deadline_days,
        fees=[{"amount": fee, "description": "Lệ phí"}] if fee else [],
        required_documents=[
            {"name": "Tờ khai yêu cầu cấp phiếu", "mandatory": True, "file_types": ["pdf"],
             "copies": 1},
            {"name": "Bản chụp căn cước", "mandatory": True, "file_types": ["pdf"], "copies": 1},
            {"name": "Giấy ủy quyền", "mandatory": False, "file_types": ["pdf"], "copies": 1},
        ],
        effective_from="2024-01-01", **procedure,
    )
    if inter_agency:
        for position, (name, role, agency, share) in enumerate([
            ("Tiếp nhận hồ sơ", Role.ONESTOP_OFFICER, None, 10),
            ("Thẩm định", Role.SPECIALIST, None, 40),
            ("Xác nhận nghĩa vụ tài chính (liên thông)", Role.SPECIALIST, partner, 20),
            ("Phê duyệt", Role.LEADER, None, 20),
            ("Trả kết quả", Role.ONESTOP_OFFICER, None, 10),
        ]):
            WorkflowStep.objects.create(version=version, position=position, name=name, role=role,
                                        agency=agency, share_percent=share)
    citizen = UserFactory(kind=User.Kind.CITIZEN, full_name="Nguyễn Văn Công",
                          citizen_id=citizen_id(), email="cong@example.vn")
    return World(
        centre=centre, dept=dept, partner=partner,
        desk=officer(Role.ONESTOP_OFFICER, centre, full_name="Lê Văn Tiếp"),
        specialist=officer(Role.SPECIALIST, dept, full_name="Trần Thị Thẩm"),
        leader=officer(Role.LEADER, dept, full_name="Phạm Quốc Duyệt"),
        partner_specialist=officer(Role.SPECIALIST, partner, full_name="Hoàng Văn Liên"),
        citizen=citizen, version=version,
    )
