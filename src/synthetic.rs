//! A deterministic synthetic Racing API source.
