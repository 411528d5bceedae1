// The dual-beam direction detector.
