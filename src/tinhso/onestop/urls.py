"""The one-stop pages (Vietnamese paths)."""

from __future__ import annotations

from django.urls import path

from tinhso.onestop.views import dossiers, drilldown, payment, submit, tracking, workspace

app_name = "onestop"
urlpatterns = [
    path("tra-cuu/", tracking.tracking_search, name="tracking_search"),
    path("tra-cuu/<str:code>/", tracking.tracking_detail, name="tracking"),
    path("tra-cuu/<str:code>/ket-qua/", tracking.result_check, name="result_check"),
    path("ho-so/", dossiers.my_dossiers, name="mine"),
    path("ho-so/nop/<str:procedure_code>/", submit.dossier_new, name="submit"),
    path("ho-so/<str:code>/", dossiers.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/thao-tac/", dossiers.dossier_action, name="action"),
    path("ho-so/<str:code>/tep/<int:file_id>/", dossiers.dossier_file, name="file"),
    path("ho-so/<str:code>/phieu/<str:kind>/", dossiers.dossier_slip, name="slip"),
    path("xu-ly/", workspace.workspace, name="workspace"),
    path("xu-ly/tiep-nhan/", workspace.bulk_receive, name="bulk_receive"),
    path("xu-ly/danh-sach/", drilldown.dossier_list, name="dossier_list"),
    path("xu-ly/<slug:slug>/", workspace.workspace, name="queue"),
    path("thanh-toan/ket-qua/", payment.payment_return, name="payment_return"),
    path("thanh-toan/ipn/", payment.payment_ipn, name="payment_ipn"),
    path("thanh-toan/<str:reference>/", payment.payment_start, name="payment_start"),
    path("_gia-lap/cong-thanh-toan/", payment.standin_gateway, name="standin_gateway"),
]
