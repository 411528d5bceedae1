// The walkway model and hardware renderers.
