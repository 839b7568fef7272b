from django.urls import path

from . import api, api_complaints

urlpatterns = [
    path("projects/", api.project_list, name="api-trading-projects"),
    path("projects/<int:pk>/", api.project_detail, name="api-trading-project"),
    path("projects/<int:pk>/sections/", api.section_create),
    path("projects/<int:pk>/transition/", api.project_transition, name="api-trading-transition"),
    path("projects/<int:pk>/retender/", api.project_retender),
    path("projects/<int:pk>/history/", api.project_history),
    path("projects/<int:pk>/announcements/", api.project_amend),
    path("projects/<int:pk>/documents/", api.project_documents),
    path("projects/<int:pk>/downloads/", api.project_downloads),
    path("documents/<int:pk>/download/", api.document_download),
    path("sections/<int:pk>/registrations/", api.section_registrations),
    path("registrations/<int:pk>/commitment/", api.registration_commitment),
    path("sections/<int:pk>/bids/", api.section_bid),
    path("bids/", api.my_bids),
    path("bids/<int:pk>/withdraw/", api.bid_withdraw),
    path("sections/<int:pk>/candidates/", api.section_candidates),
    path("sections/<int:pk>/award/", api.section_award),
    path("awards/<int:pk>/contract/", api.award_contract),
    path("announcements/", api.announcements, name="api-trading-announcements"),
    path("projects/<int:pk>/objections/", api_complaints.project_objections),
    path("projects/<int:pk>/complaints/", api_complaints.project_complaints),
    path("objections/<int:pk>/", api_complaints.objection_detail),
    path("complaints/board/", api_complaints.regulator_board),
    path("complaints/<int:pk>/", api_complaints.complaint_detail),
    path("complaints/<int:pk>/<slug:action>/", api_complaints.complaint_action),
    path("awards/<int:pk>/refuse/", api_complaints.award_refuse),
    path("sections/<int:pk>/next-candidate/", api_complaints.section_next_candidate),
    path("sections/<int:pk>/retender/", api_complaints.section_retender),
]
