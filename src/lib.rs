//! Browser shell of connect-cif-bridge (placeholder until the shell lands).
