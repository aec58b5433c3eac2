from django.urls import re_path

from config.api.routers import OptionalSlashRouter
from staff.auth import views as auth
from staff.otp import views as otp
from staff.records import views as records

router = OptionalSlashRouter()
router.register("jabatan", records.PositionViewSet, basename="jabatan")
router.register("users", records.StaffViewSet, basename="users")

urlpatterns = [
    re_path(r"^api/v1/auth/register/?$", auth.RegisterView.as_view(), name="auth-register"),
    re_path(r"^api/v1/auth/login/?$", auth.LoginView.as_view(), name="auth-login"),
    re_path(r"^api/v1/auth/refresh/?$", auth.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^api/v1/auth/logout/?$", auth.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^api/v1/auth/me/?$", auth.MeView.as_view(), name="auth-me"),
    re_path(r"^otp/generate/?$", otp.OTPGenerateView.as_view(), name="otp-generate"),
    re_path(r"^otp/verify/?$", otp.OTPVerifyView.as_view(), name="otp-verify"),
    *router.urls,
]
api_links = {
    "auth": "/api/v1/auth/me",
    "jabatan": "/jabatan/",
    "users": "/users/",
    "otp": "/otp/generate",
}
