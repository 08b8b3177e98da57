//! Command-line types (clap). The `///` comments are the `--help` text.
