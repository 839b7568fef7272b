from django.urls import path

from . import views

app_name = "trading"

urlpatterns = [
    path("", views.home, name="home"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/<int:pk>/", views.announcement, name="announcement"),
    path("announcements/<int:pk>/notice.pdf", views.notice_pdf_download, name="notice_pdf"),
    path("announcements/<int:pk>/files/<int:attachment_id>/", views.notice_attachment, name="notice_attachment"),
    path("portal/", views.portal, name="portal"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/<slug:action>/", views.project_action, name="project_action"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("bids/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("bids/<int:pk>/receipt.<str:kind>", views.receipt_download, name="receipt_download"),
    path("help/bidder-tool/", views.bidder_tool, name="bidder_tool"),
    path("trading/desk/", views.desk, name="desk"),
    path("refusals/<int:pk>/<slug:action>/", views.award_refusal, name="award_refusal"),
    path("trading/keys/", views.keys_page, name="keys"),
    path("trading/certificate/", views.certificate_page, name="certificate"),
]
