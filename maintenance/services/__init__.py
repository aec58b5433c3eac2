"""Business rules of the maintenance app (every write), one module per concern:

- `audit`: snapshots, diffs and audit rows, the audited update and delete (same transaction);
- `parts_cache`: the parts list's cache generation and its invalidation on commit;
- `categories`: categories;
- `parts`: spare parts and the SKU rule;
- `stock`: the order -> stock rule, `stock_take` and `stock_return`;
- `idempotency`: the records that make an order happen once per caller's key, and their purge;
- `orders`: order creation, lifecycle and deletion;
- `images`: order images (type sniffing, storage).

Reads are in maintenance.selectors. The public names are re-exported here: callers (views, admin,
commands, the demo, `ServiceModelViewSet.services`) use `maintenance.services.<name>`.
"""

from maintenance.services.audit import audit_record
from maintenance.services.categories import category_create, category_delete, category_update
from maintenance.services.idempotency import idempotency_purge
from maintenance.services.images import image_sniff, order_image_upload
from maintenance.services.orders import (
    MAX_ORDER_TOTAL,
    MAX_QUANTITY,
    OrderCreation,
    order_create,
    order_delete,
    order_transition,
)
from maintenance.services.parts import (
    sparepart_check_sku,
    sparepart_create,
    sparepart_delete,
    sparepart_update,
)
from maintenance.services.parts_cache import PARTS_GENERATION_KEY, parts_cache_generation
from maintenance.services.stock import StockMoves, stock_return, stock_take

__all__ = [
    "MAX_ORDER_TOTAL",
    "MAX_QUANTITY",
    "PARTS_GENERATION_KEY",
    "OrderCreation",
    "StockMoves",
    "audit_record",
    "category_create",
    "category_delete",
    "category_update",
    "idempotency_purge",
    "image_sniff",
    "order_create",
    "order_delete",
    "order_image_upload",
    "order_transition",
    "parts_cache_generation",
    "sparepart_check_sku",
    "sparepart_create",
    "sparepart_delete",
    "sparepart_update",
    "stock_return",
    "stock_take",
]
