from config.api.routers import OptionalSlashRouter
from maintenance.views import AuditLogViewSet, CategoryViewSet, ServiceOrderViewSet, SparePartViewSet

router = OptionalSlashRouter()
router.register(r"api/v1/categories", CategoryViewSet, basename="maintenance-category")
router.register(r"api/v1/items", SparePartViewSet, basename="maintenance-item")
router.register(r"api/v1/orders", ServiceOrderViewSet, basename="maintenance-order")
router.register(r"api/v1/audit", AuditLogViewSet, basename="maintenance-audit")

urlpatterns = router.urls
api_links = {
    "categories": "/api/v1/categories/",
    "spare parts": "/api/v1/items/",
    "service orders": "/api/v1/orders/",
    "audit log": "/api/v1/audit/",
}
