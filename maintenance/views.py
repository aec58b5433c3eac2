"""Categories, parts, orders and the audit log: declarations over the platform's
`ServiceModelViewSet`. Writes go through `maintenance.services`, reads through
`maintenance.selectors`; output through planned serializers (config.api.output), the parts list
through the platform's cached pages (`list_cache`, config.api.response_cache)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.filters import BoundedSearchFilter, SentFilterBackend
from config.api.response_cache import ListCache
from config.api.schema import DetailSerializer, invalid_input
from config.api.viewsets import ServiceModelViewSet
from config.errors import NotFoundError
from maintenance import selectors, services
from maintenance.exceptions import (
    CategoryNotFound,
    NoFieldsToUpdate,
    ServiceOrderNotFound,
    SparePartNotFound,
)
from maintenance.filters import AuditLogFilter, ServiceOrderFilter, SparePartFilter
from maintenance.models import ServiceOrder
from maintenance.permissions import MaintenancePermissions
from maintenance.serializers import (
    AuditLogSerializer,
    CategoryInputSerializer,
    CategorySerializer,
    ImageUploadSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    OrderTransitionSerializer,
    ServiceOrderImageSerializer,
    SparePartCreateSerializer,
    SparePartSerializer,
    SparePartUpdateSerializer,
)

NOT_FOUND = OpenApiResponse(DetailSerializer, description="Not found")
BAD_REQUEST = invalid_input("Invalid input")
CONFLICT = OpenApiResponse(DetailSerializer, description="Conflict")


@extend_schema_view(
    retrieve=extend_schema(responses={200: CategorySerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: CategorySerializer, 400: BAD_REQUEST}),
    update=extend_schema(responses={200: CategorySerializer, 400: BAD_REQUEST, 404: NOT_FOUND}),
    partial_update=extend_schema(responses={200: CategorySerializer, 400: BAD_REQUEST, 404: NOT_FOUND}),
    destroy=extend_schema(responses={204: None, 404: NOT_FOUND, 409: CONFLICT}),
)
class CategoryViewSet(ServiceModelViewSet):
    """Spare-part categories. Supervisor and up create and edit, Management deletes; everyone reads."""

    queryset = selectors.category_list()
    services = services
    entity = "category"
    serializer_class = CategorySerializer
    serializer_classes = {
        "create": CategoryInputSerializer,
        "update": CategoryInputSerializer,
        "partial_update": CategoryInputSerializer,
    }
    response_serializer_classes = {
        "create": CategorySerializer,
        "update": CategorySerializer,
        "partial_update": CategorySerializer,
    }
    partial_put = True
    action_perms = {
        "create": [MaintenancePermissions.ADD_CATEGORY],
        "update": [MaintenancePermissions.CHANGE_CATEGORY],
        "partial_update": [MaintenancePermissions.CHANGE_CATEGORY],
        "destroy": [MaintenancePermissions.DELETE_CATEGORY],
    }
    filter_backends = [BoundedSearchFilter]
    search_fields = ["name"]
    not_found_error = CategoryNotFound

    def not_found(self, raw: str) -> NotFoundError:
        # The specification's 404 names the id as sent.
        return CategoryNotFound.for_id(raw)


@extend_schema_view(
    list=extend_schema(description="Parts in creation order, category embedded; `limit` defaults to 10."),
    retrieve=extend_schema(responses={200: SparePartSerializer, 404: NOT_FOUND}),
    create=extend_schema(responses={201: SparePartSerializer, 400: BAD_REQUEST}),
    partial_update=extend_schema(
        request=SparePartUpdateSerializer,
        responses={200: SparePartSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        description="`{price?, stock?}`; `{}` (or only other fields) is a 400.",
    ),
    destroy=extend_schema(responses={204: None, 404: NOT_FOUND, 409: CONFLICT}),
)
class SparePartViewSet(ServiceModelViewSet):
    """Spare parts, addressed by SKU. Supervisor and up create and edit, Management deletes."""

    queryset = selectors.sparepart_list()
    services = services
    entity = "sparepart"
    serializer_class = SparePartSerializer
    serializer_classes = {"create": SparePartCreateSerializer, "partial_update": SparePartUpdateSerializer}
    response_serializer_classes = {"create": SparePartSerializer, "partial_update": SparePartSerializer}
    lookup_field = "sku"
    lookup_url_kwarg = "sku"
    page_default_limit = 10
    # The hottest read: JSON pages kept rendered until a part, its stock or a category changes.
    list_cache = ListCache(
        generation=services.PARTS_GENERATION_KEY, timeout_setting="MAINTENANCE_PARTS_CACHE_TTL"
    )
    filters_need_params = True
    no_fields_error = NoFieldsToUpdate  # PATCH `{}` (or only other fields) is a 400
    action_perms = {
        "create": [MaintenancePermissions.ADD_SPARE_PART],
        "partial_update": [MaintenancePermissions.CHANGE_SPARE_PART],
        "destroy": [MaintenancePermissions.DELETE_SPARE_PART],
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends = [SentFilterBackend, BoundedSearchFilter]
    filterset_class = SparePartFilter
    search_fields = ["name", "sku"]
    not_found_error = SparePartNotFound

    def not_found(self, raw: str) -> NotFoundError:
        # The specification's 404 names the SKU as sent.
        return SparePartNotFound.for_sku(raw)


ORDER_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional; the same key (per caller) replays the first order; with another body → 422.",
)


@extend_schema_view(
    list=extend_schema(description="Newest first; `?status=` filters."),
    retrieve=extend_schema(parameters=[ORDER_ID], responses={200: OrderSerializer, 404: NOT_FOUND}),
    destroy=extend_schema(parameters=[ORDER_ID], responses={204: None, 404: NOT_FOUND, 409: CONFLICT}),
    create=extend_schema(
        description="201 with the new order, or 200 with the original one for a repeated request.",
        parameters=[IDEMPOTENCY_KEY],
        request=OrderCreateSerializer,
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, description="A repeat: the original order"),
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: CONFLICT,
            422: OpenApiResponse(DetailSerializer, description="Idempotency-Key reused with another body"),
        },
    ),
)
class ServiceOrderViewSet(ServiceModelViewSet):
    """Service orders: created exactly once per `request_id`, taking their parts out of stock."""

    queryset = selectors.order_list()
    services = services
    entity = "order"
    serializer_class = OrderSerializer
    serializer_classes = {"create": OrderCreateSerializer}
    response_serializer_classes = {"create": OrderSerializer}
    http_method_names = ["get", "post", "delete", "head", "options"]
    filter_backends = [SentFilterBackend]
    filterset_class = ServiceOrderFilter
    not_found_error = ServiceOrderNotFound
    # The specification's Idempotency-Key header; a repeat (same key or request_id) answers 200.
    idempotent_create = "create"
    replay_status = status.HTTP_200_OK
    action_perms = {
        "create": [MaintenancePermissions.ADD_SERVICE_ORDER],
        "transition": [MaintenancePermissions.TRANSITION_SERVICE_ORDER],
        "upload_image": [MaintenancePermissions.ADD_SERVICE_ORDER_IMAGE],
        "destroy": [MaintenancePermissions.DELETE_SERVICE_ORDER],
    }

    def not_found(self, raw: str) -> NotFoundError:
        # The specification's 404 names the id as sent.
        return ServiceOrderNotFound.for_id(raw)

    @extend_schema(
        parameters=[ORDER_ID],
        request=OrderTransitionSerializer,
        responses={200: OrderSerializer, 400: BAD_REQUEST, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="transition", url_name="transition")
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """pending → in_progress → completed; cancelled from pending or in_progress (stock goes back)."""
        order = ServiceOrder(pk=self.lookup_value())
        serializer = OrderTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        updated = services.order_transition(
            order=order, status=serializer.validated_data["status"], actor=request.user
        )
        return Response(OrderSerializer(self.refetch(updated)).data)

    @extend_schema(
        parameters=[ORDER_ID],
        request={"multipart/form-data": ImageUploadSerializer},
        responses={
            201: ServiceOrderImageSerializer,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            413: OpenApiResponse(DetailSerializer, description="Larger than MAINTENANCE_IMAGE_MAX_BYTES"),
            503: OpenApiResponse(
                DetailSerializer,
                description='"storage unavailable" (Retry-After): the storage failed; nothing was stored',
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="image",
        url_name="image",
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=ImageUploadSerializer,
    )
    def upload_image(self, request: Request, pk: str | None = None) -> Response:
        """Attach a JPEG, PNG or WebP image (type decided by the file's bytes)."""
        image = services.order_image_upload(
            order_id=self.lookup_value(), upload=request.FILES.get("file"), actor=request.user
        )
        return Response(
            ServiceOrderImageSerializer(image, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[ORDER_ID], responses={200: ServiceOrderImageSerializer(many=True), 404: NOT_FOUND}
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="images",
        url_name="images",
        serializer_class=ServiceOrderImageSerializer,
        filter_backends=[],
    )
    def images(self, request: Request, pk: str | None = None) -> Response:
        """This order's images, oldest first, each with a URL made now."""
        order_id = self.lookup_value()
        if not selectors.order_exists(order_id=order_id):
            raise self.not_found(self.lookup_raw())
        page = self.paginate_queryset(selectors.order_images(order_id=order_id))
        return self.get_paginated_response(
            ServiceOrderImageSerializer(page, many=True, context=self.get_serializer_context()).data
        )


class AuditLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who changed what, field by field, newest first (Supervisor and up)."""

    queryset = selectors.audit_list()
    serializer_class = AuditLogSerializer
    filter_backends = [SentFilterBackend]
    filterset_class = AuditLogFilter
    action_perms = {"list": [MaintenancePermissions.VIEW_AUDIT_LOG]}
