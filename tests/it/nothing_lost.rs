//! Issue 17, dual-write side: writes on the new names before the backfill, REPEATABLE READ writers, re-applying phases 2 and 3, implicit relationships reported not enforced.
