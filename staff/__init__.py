"""Staff and access: one Django app (label `staff`, one models module) holding three concerns.

Each concern is a sub-package of the same shape: `services.py` (business rules; typed arguments, no
DRF), `serializers.py` and `views.py` (the API layer), `throttling.py` where its endpoints are
throttled. Top level holds what Django looks up by name or every concern shares: `models`,
`identity` (text rules of a username, used by the model), `exceptions`, `filters`, `admin`, `urls`,
`apps`, `demo`, migrations and management commands.

- `staff.auth`: identity and JWT (registration, login, tokens, the password-door lockout);
- `staff.records`: staff records (`User` rows) and positions (jabatan), roles;
- `staff.otp`: one-time passwords on the cache.

Dependencies go one way: `auth` uses `records` (the superuser guard, the role setter); `otp` and
`records` use neither.
"""
