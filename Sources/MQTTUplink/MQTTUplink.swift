// The MQTT uplink over libmosquitto.
