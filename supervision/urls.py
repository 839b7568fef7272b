from django.urls import path

from . import views

app_name = "supervision"

# The pages keep the addresses they had under trading.
urlpatterns = [
    path("complaints/", views.desk, name="complaints_desk"),
    path("complaints/project/<int:pk>/", views.project_complaints, name="project_complaints"),
    path("complaints/project/<int:pk>/objection/", views.objection_new, name="objection_new"),
    path("complaints/project/<int:pk>/complaint/", views.complaint_new, name="complaint_new"),
    path("objections/<int:pk>/", views.objection_detail, name="objection"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/<slug:action>/", views.complaint_action, name="complaint_action"),
    path("complaint-evidence/<int:pk>/", views.evidence_download, name="complaint_evidence"),
]
