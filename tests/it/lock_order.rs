//! Issue 17, locks: a refused rollback leaves the state as it was, locks taken in the order writers take them, autovacuum named and cancelled.
