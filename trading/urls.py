from django.urls import include, path

from . import views, views_complaints
from .stats import urls as statistics_urls

app_name = "trading"

urlpatterns = [
    path("", views.home, name="home"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/<int:pk>/", views.announcement, name="announcement"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/<slug:action>/", views.project_action, name="project_action"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("bids/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("trading/desk/", views.desk, name="desk"),
    path("", include(statistics_urls.urlpatterns)),
    path("complaints/", views_complaints.desk, name="complaints_desk"),
    path("complaints/project/<int:pk>/", views_complaints.project_complaints, name="project_complaints"),
    path("complaints/project/<int:pk>/objection/", views_complaints.objection_new, name="objection_new"),
    path("complaints/project/<int:pk>/complaint/", views_complaints.complaint_new, name="complaint_new"),
    path("objections/<int:pk>/", views_complaints.objection_detail, name="objection"),
    path("objections/<int:pk>/answer/", views_complaints.objection_answer, name="objection_answer"),
    path("complaints/<int:pk>/", views_complaints.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/<slug:action>/", views_complaints.complaint_action, name="complaint_action"),
    path("complaint-evidence/<int:pk>/", views_complaints.evidence_download, name="complaint_evidence"),
    path("refusals/<int:pk>/<slug:action>/", views_complaints.award_refusal, name="award_refusal"),
    path("trading/keys/", views.keys_page, name="keys"),
]
