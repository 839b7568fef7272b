from django.urls import path

from .views import complaints as views
from .views import enforcement, participation

app_name = "supervision"

# The complaint pages keep the addresses they had under trading.
urlpatterns = [
    path("complaints/", views.desk, name="complaints_desk"),
    path("complaints/project/<int:pk>/", views.project_complaints, name="project_complaints"),
    path("complaints/project/<int:pk>/objection/", views.objection_new, name="objection_new"),
    path("complaints/project/<int:pk>/complaint/", views.complaint_new, name="complaint_new"),
    path("complaints/purchase/<int:pk>/", views.purchase_complaints, name="purchase_complaints"),
    path("complaints/purchase/<int:pk>/complaint/", views.purchase_complaint_new, name="purchase_complaint_new"),
    path("objections/<int:pk>/", views.objection_detail, name="objection"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/<slug:action>/", views.complaint_action, name="complaint_action"),
    path("complaint-evidence/<int:pk>/", views.evidence_download, name="complaint_evidence"),
    # Enforcement: the regulator's desk, leads, cases, the report; decisions are public once published.
    path("supervision/", enforcement.desk, name="desk"),
    path("supervision/leads/", enforcement.lead_list, name="leads"),
    path("supervision/leads/<int:pk>/", enforcement.lead_detail, name="lead"),
    path("supervision/leads/<int:pk>/<slug:action>/", enforcement.lead_action, name="lead_action"),
    path("supervision/cases/", enforcement.case_list, name="cases"),
    path("supervision/cases/new/", enforcement.case_new, name="case_new"),
    path("supervision/cases/<int:pk>/", enforcement.case_detail, name="case"),
    path("supervision/cases/<int:pk>/<slug:action>/", enforcement.case_action, name="case_action"),
    path("supervision/evidence/<int:pk>/", enforcement.evidence_download, name="case_evidence"),
    path("supervision/projects/<int:pk>/participation/", participation.project_participation,
         name="project_participation"),
    path("supervision/report/", enforcement.report, name="report"),
    path("supervision/report.csv", enforcement.report_export_csv, name="report_csv"),
    path("supervision/report.pdf", enforcement.report_export_pdf, name="report_pdf"),
    path("decisions/", enforcement.decisions, name="decisions"),
    path("decisions/<int:pk>/", enforcement.decision_detail, name="decision"),
    path("decisions/<int:pk>/pdf/", enforcement.decision_pdf, name="decision_pdf"),
]
