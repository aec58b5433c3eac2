from rest_framework.routers import SimpleRouter

from locks.views import DeviceViewSet

router = SimpleRouter()
# DRF's constructor reduces trailing_slash to a bool ("/" or ""); the optional slash is set here.
router.trailing_slash = "/?"
router.register(r"device", DeviceViewSet, basename="device")

urlpatterns = router.urls
