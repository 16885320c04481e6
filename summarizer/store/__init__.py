"""What is kept: the SQLite run ledger (cache, resume) and results files on disk."""
