// The daemon runtime.
