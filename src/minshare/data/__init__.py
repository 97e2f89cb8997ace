"""Stage 1: the data model, readers with validation and quarantine, and synthetic data."""
