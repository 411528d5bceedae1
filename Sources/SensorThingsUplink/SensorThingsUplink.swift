// The OGC SensorThings API uplink.
