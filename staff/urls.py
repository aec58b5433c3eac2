from django.urls import re_path

from config.api.routers import OptionalSlashRouter
from staff import views

router = OptionalSlashRouter()
router.register("jabatan", views.PositionViewSet, basename="jabatan")
router.register("users", views.StaffViewSet, basename="users")

urlpatterns = [
    re_path(r"^api/v1/auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    re_path(r"^api/v1/auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^api/v1/auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^api/v1/auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^api/v1/auth/me/?$", views.MeView.as_view(), name="auth-me"),
    re_path(r"^otp/generate/?$", views.OTPGenerateView.as_view(), name="otp-generate"),
    re_path(r"^otp/verify/?$", views.OTPVerifyView.as_view(), name="otp-verify"),
    *router.urls,
]
api_links = {
    "auth": "/api/v1/auth/me",
    "jabatan": "/jabatan/",
    "users": "/users/",
    "otp": "/otp/generate",
}
