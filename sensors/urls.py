from config.api.routers import OptionalSlashRouter
from sensors.views import SensorDataViewSet, SensorViewSet, UnitViewSet

router = OptionalSlashRouter()
router.register(r"api/units", UnitViewSet, basename="unit")
router.register(r"api/sensors", SensorViewSet, basename="sensor")
router.register(r"api/sensor-data", SensorDataViewSet, basename="sensordata")

urlpatterns = router.urls
api_links = {"units": "/api/units/", "sensors": "/api/sensors/", "sensor-data": "/api/sensor-data/"}
