from config.api.routers import OptionalSlashRouter
from locks.views import DeviceViewSet

router = OptionalSlashRouter()
router.register(r"device", DeviceViewSet, basename="device")

urlpatterns = router.urls
api_links = {"devices": "/device/"}
