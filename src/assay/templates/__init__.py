"""Files assay copies into a repository (`assay init`)."""
