"""Shared helpers for the integration tests: mailjar (processes), smtp_client (raw SMTP),
store (read-only SQLite access, the only place that knows the schema), certs, runner."""
