"""Insertion professionnelle: ingestion, warehouse and indicators for RNCP certifications."""
