"""Django's Indonesian date formats, with the zone named (as config/formats/en)."""

DATETIME_FORMAT = "j N Y, H.i T"
SHORT_DATETIME_FORMAT = "d-m-Y H.i T"
