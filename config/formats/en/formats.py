"""Admin date formats that name the zone (TIME_ZONE is UTC; an operator must not guess)."""

DATETIME_FORMAT = "N j, Y, H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
