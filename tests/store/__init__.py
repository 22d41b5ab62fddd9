"""Tests of the durable store (shared/store) on SQLite and PostgreSQL."""
