"""DRF plumbing shared by every app, one module per concern (NetBox's `netbox/api/` shape):
exceptions, pagination, permissions, throttling, renderers, routers, viewsets, serializers."""
