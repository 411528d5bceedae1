// The YAML configuration file.
