"""Run: discover files, read manifests, process each document through the stage chain under an executor, summarise."""
