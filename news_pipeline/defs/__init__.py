"""The Dagster wiring: assets, checks, resources, partitions, the IO manager."""
