//! Issue 17, archive side: one id space for both layouts, TRUNCATE after the archive, rollback 5 that always completes (killed mid-validation, reused unique values).
