from django.urls import re_path

from staff import views

urlpatterns = [
    re_path(r"^api/v1/auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    re_path(r"^api/v1/auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^api/v1/auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^api/v1/auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^api/v1/auth/me/?$", views.MeView.as_view(), name="auth-me"),
]
