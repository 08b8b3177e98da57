//! Phases
