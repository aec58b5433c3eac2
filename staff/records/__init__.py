"""Staff records and positions (jabatan): `/users/` and `/jabatan/`, roles, the personal-data rule.

The staff concerns share one shape: `services` (rules, no DRF), `serializers` and `views` (the API
layer). The `User` model *is* the staff record: one row per person, login-capable or not, so every
service about it is named `user_<action>`; positions are `position_<action>`. Filters stay in
`staff.filters`.
"""
