"""The runtime security monitor: file integrity, processes, network and logins, as a daemon."""
