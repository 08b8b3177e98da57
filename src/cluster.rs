//! Throwaway PostgreSQL clusters started from the machine's binaries (tests and `demo`).
