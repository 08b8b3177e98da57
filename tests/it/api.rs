//! API client tests against a real loopback HTTP server.
