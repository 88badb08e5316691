from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path

from . import views

urlpatterns = [
    path("", views.index),
    path("orders/<int:pk>/", login_required(views.order_detail)),
    re_path(r"^reports/(?P<year>[0-9]{4})/$", staff_member_required(views.reports)),
    path("api/", include("orders.api.urls")),
]
