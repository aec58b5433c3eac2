from django.conf import settings
from django.conf.urls.static import static

from config.api.routers import OptionalSlashRouter
from maintenance.views import AuditLogViewSet, CategoryViewSet, ServiceOrderViewSet, SparePartViewSet

router = OptionalSlashRouter()
router.register(r"api/v1/categories", CategoryViewSet, basename="maintenance-category")
router.register(r"api/v1/items", SparePartViewSet, basename="maintenance-item")
router.register(r"api/v1/orders", ServiceOrderViewSet, basename="maintenance-order")
router.register(r"api/v1/audit", AuditLogViewSet, basename="maintenance-audit")

# In DEBUG, serve MEDIA_ROOT so order images (thumbnails, image_url) show under `make run`; static()
# adds nothing when DEBUG is off, where a web server (or S3) serves them. It belongs in config/urls.py
# once a second app stores files.
urlpatterns = router.urls + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
api_links = {
    "categories": "/api/v1/categories/",
    "spare parts": "/api/v1/items/",
    "service orders": "/api/v1/orders/",
    "audit log": "/api/v1/audit/",
}
