"""Security: the static scan (scan/) and the runtime monitor (monitor/)."""
