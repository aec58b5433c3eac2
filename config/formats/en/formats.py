"""Admin date formats that name the zone (each user's own zone; an operator must not guess)."""

DATETIME_FORMAT = "N j, Y, H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
