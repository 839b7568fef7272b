from django.urls import path

from . import api, api_sealing

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
    # Sealed bids (docs/submission.md)
    path("token/", api_sealing.token_obtain, name="api-trading-token"),
    path("keys/", api_sealing.my_key, name="api-trading-key"),
    path("keys/revoke/", api_sealing.my_key_revoke),
    path("platform-key/", api_sealing.platform_key, name="api-trading-platform-key"),
    path("projects/<int:pk>/opening-key/", api_sealing.project_opening_key, name="api-trading-opening-key"),
    path("projects/<int:pk>/custodians/", api_sealing.project_custodians),
    path("projects/<int:pk>/share/", api_sealing.project_share),
    path("sections/<int:pk>/uploads/", api_sealing.section_upload_create, name="api-trading-uploads"),
    path("uploads/<uuid:pk>/", api_sealing.upload_detail, name="api-trading-upload"),
    path("uploads/<uuid:pk>/complete/", api_sealing.upload_complete),
    path("bids/<int:pk>/receipt/", api_sealing.bid_receipt),
    path("bids/<int:pk>/release/", api_sealing.bid_release),
]
