from django.urls import path

from . import views

app_name = "expert_pool"

urlpatterns = [
    path("me/", views.profile, name="profile"),
    path("me/relations/<int:pk>/withdraw/", views.relation_withdraw, name="relation_withdraw"),
    path("me/leaves/<int:pk>/remove/", views.leave_remove, name="leave_remove"),
    path("me/draws/", views.my_seats, name="my_seats"),
    path("answer/<uuid:token>/", views.seat_answer, name="seat_answer"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/status/", views.import_job_status, name="import_job_status"),
]
