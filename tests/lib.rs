//! Integration tests of strand live in this package's test targets.
