//! Client for The Racing API.
