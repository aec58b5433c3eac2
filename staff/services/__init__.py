"""Business rules of the staff app, one module per concern:

- `auth`: registration, login, JWT issue/refresh/logout (identity);
- `otp`: one-time passwords on the cache;
- `positions`: job titles (jabatan);
- `records`: staff records. The `User` model *is* the staff record: one row per person, whether or
  not they can log in, so every function about it is named `user_<action>`.
"""
