//! Compliance metrics per rule and step over a period (pure).
