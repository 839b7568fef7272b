from django.urls import path

from .api import complaints as api
from .api import enforcement

# Under /api/supervision/.
urlpatterns = [
    path("projects/<int:pk>/objections/", api.project_objections),
    path("projects/<int:pk>/complaints/", api.project_complaints),
    path("objections/<int:pk>/", api.objection_detail),
    path("purchases/<int:pk>/complaints/", api.purchase_complaints),
    path("complaints/board/", api.regulator_board),
    path("complaints/<int:pk>/", api.complaint_detail),
    path("complaints/<int:pk>/<slug:action>/", api.complaint_action),
    path("leads/", enforcement.lead_list),
    path("leads/<int:pk>/", enforcement.lead_detail),
    path("leads/<int:pk>/dismiss/", enforcement.lead_dismiss),
    path("leads/<int:pk>/case/", enforcement.lead_case),
    path("cases/", enforcement.case_list),
    path("cases/<int:pk>/", enforcement.case_detail),
    path("cases/<int:pk>/evidence/", enforcement.case_evidence),
    path("cases/<int:pk>/measures/", enforcement.case_measure),
    path("cases/<int:pk>/close/", enforcement.case_close),
    path("measures/<int:pk>/payment/", enforcement.measure_payment),
    path("measures/<int:pk>/publish/", enforcement.measure_publish),
    path("decisions/", enforcement.decision_list),
    path("decisions/<int:pk>/", enforcement.decision_detail),
    path("report/", enforcement.report),
    path("due/", enforcement.due),
]
