"""The documents workspace's pages (Vietnamese paths)."""

from __future__ import annotations

from django.urls import path

from tinhso.documents.views import incoming, outgoing, workspace

app_name = "documents"
urlpatterns = [
    path("van-ban/", workspace.workspace, name="workspace"),
    path("van-ban/viec/<slug:slug>/", workspace.workspace, name="tab"),
    path("van-ban/soan-thao/", outgoing.document_new, name="new"),
    path("van-ban/<int:pk>/", outgoing.document_detail, name="document"),
    path("van-ban/<int:pk>/sua/", outgoing.document_edit, name="edit"),
    path("van-ban/<int:pk>/thao-tac/", outgoing.document_action, name="action"),
    path("van-ban/<int:pk>/tep/<int:file_id>/", outgoing.document_file, name="file"),
    path("van-ban/<int:pk>/phu-luc/", outgoing.document_attachment_add, name="attach"),
    path("van-ban/<int:pk>/phu-luc/<int:n>/", outgoing.document_attachment_file,
         name="attachment"),
    path("van-ban/<int:pk>/phu-luc/<int:n>/xoa/", outgoing.document_attachment_remove,
         name="detach"),
    path("van-ban/den/<int:pk>/", incoming.incoming_detail, name="incoming"),
    path("van-ban/den/<int:pk>/thao-tac/", incoming.incoming_action, name="incoming_action"),
]
