"""One-time passwords: `/otp/generate` and `/otp/verify`, codes kept on the cache.

The staff concerns share one shape: `services` (rules, no DRF), `serializers` and `views` (the API
layer), `throttling` (the per-IP DRF throttles of the two public endpoints).
"""
