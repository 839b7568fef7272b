from django.urls import path

from . import api

# Under /api/supervision/.
urlpatterns = [
    path("projects/<int:pk>/objections/", api.project_objections),
    path("projects/<int:pk>/complaints/", api.project_complaints),
    path("objections/<int:pk>/", api.objection_detail),
    path("complaints/board/", api.regulator_board),
    path("complaints/<int:pk>/", api.complaint_detail),
    path("complaints/<int:pk>/<slug:action>/", api.complaint_action),
]
