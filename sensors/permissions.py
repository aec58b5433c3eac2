"""The sensors permissions, said once: the name the views, services and admin check, the role that
gets it (and every role above), and for custom ones the name in `SensorData.Meta.permissions`.

Everyone reads; Operators record readings; Supervisors manage units and sensors, edit readings and
run the validate/archive/invalidate workflow; only Management deletes."""

from config.roles import PermissionEnum, Role


class SensorPermissions(PermissionEnum):
    VIEW_UNIT = "sensors.view_unit", Role.OPERATOR
    VIEW_SENSOR = "sensors.view_sensor", Role.OPERATOR
    VIEW_SENSORDATA = "sensors.view_sensordata", Role.OPERATOR
    ADD_SENSORDATA = "sensors.add_sensordata", Role.OPERATOR
    ADD_UNIT = "sensors.add_unit", Role.SUPERVISOR
    CHANGE_UNIT = "sensors.change_unit", Role.SUPERVISOR
    ADD_SENSOR = "sensors.add_sensor", Role.SUPERVISOR
    CHANGE_SENSOR = "sensors.change_sensor", Role.SUPERVISOR
    CHANGE_SENSORDATA = "sensors.change_sensordata", Role.SUPERVISOR
    VALIDATE_SENSORDATA = "sensors.validate_sensordata", Role.SUPERVISOR, "Can validate sensor data"
    ARCHIVE_SENSORDATA = "sensors.archive_sensordata", Role.SUPERVISOR, "Can archive sensor data"
    INVALIDATE_SENSORDATA = "sensors.invalidate_sensordata", Role.SUPERVISOR, "Can mark sensor data invalid"
    DELETE_UNIT = "sensors.delete_unit", Role.MANAGEMENT
    DELETE_SENSOR = "sensors.delete_sensor", Role.MANAGEMENT
    DELETE_SENSORDATA = "sensors.delete_sensordata", Role.MANAGEMENT
