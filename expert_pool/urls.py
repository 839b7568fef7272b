from django.urls import path

from . import public, views
from .evaluation import views as evaluation_views

app_name = "expert_pool"

urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/relations/<int:pk>/withdraw/", views.relation_withdraw, name="relation_withdraw"),
    path("me/leaves/<int:pk>/remove/", views.leave_remove, name="leave_remove"),
    path("me/draws/", views.my_seats, name="my_seats"),
    path("answer/<uuid:token>/", views.seat_answer, name="seat_answer"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("records/", public.record_list, name="records"),
    path("records/<int:pk>/", public.record_page, name="record"),
    path("sections/<int:section_id>/draw/", evaluation_views.section_draw, name="section_draw"),
    path("sections/<int:section_id>/evaluation/open/", evaluation_views.evaluation_open, name="evaluation_open"),
    path("evaluations/<int:pk>/", evaluation_views.evaluation_room, name="evaluation"),
    path("evaluations/<int:pk>/report.pdf", evaluation_views.evaluation_report_pdf, name="evaluation_report"),
    path("evaluations/<int:pk>/bids/<int:bid_id>/documents/<str:name>", evaluation_views.bid_document,
         name="evaluation_bid_document"),
    path("low-prices/", evaluation_views.my_low_price_checks, name="low_prices"),
    path("low-prices/<int:pk>/", evaluation_views.low_price_explain, name="low_price_explain"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/status/", views.import_job_status, name="import_job_status"),
]
