"""Identity and JWT: registration, login, the token lifecycle and the password-door limits.

The staff concerns share one shape: `services` (rules, no DRF), `serializers` and `views` (the API
layer), `throttling` (DRF throttles). Auth adds `lockout` (the per-account lockout, a service),
`authz` (cached authorisation records), `authentication` (the DRF JWT class), `backends` and
`admin_forms` (the Django password doors), `signals`, `schema` (OpenAPI) and `validators`
(the password policy for AUTH_PASSWORD_VALIDATORS).
"""
