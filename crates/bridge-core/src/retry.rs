//! Bounded retries with capped exponential backoff for CIF calls that failed without side effects.

use crate::config::{Config, MAX_RETRY_BACKOFF_MS};

/// How often and how late a failed call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`cifRetryAttempts`).
    pub retries: u32,
    /// Delay before the first retry (`cifRetryBackoffMs`), doubled each time, capped at [`MAX_RETRY_BACKOFF_MS`].
    pub base_ms: u64,
}

impl RetryPolicy {
    /// The policy configured in `config`.
    pub fn from_config(config: &Config) -> RetryPolicy {
        RetryPolicy {
            retries: config.cif_retry_attempts,
            base_ms: config.cif_retry_backoff_ms,
        }
    }

    /// The delay before retry number `retry` (1-based), or `None` when the retries are used up.
    pub fn delay(self, retry: u32) -> Option<u64> {
        if retry == 0 || retry > self.retries {
            return None;
        }
        let factor = 1u64.checked_shl(retry - 1).unwrap_or(u64::MAX);
        Some(self.base_ms.saturating_mul(factor).min(MAX_RETRY_BACKOFF_MS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_and_capped() {
        let p = RetryPolicy {
            retries: 3,
            base_ms: 500,
        };
        assert_eq!(
            (1..=4).map(|r| p.delay(r)).collect::<Vec<_>>(),
            vec![Some(500), Some(1000), Some(2000), None]
        );
        let p = RetryPolicy {
            retries: 10,
            base_ms: 20_000,
        };
        assert_eq!(p.delay(10), Some(MAX_RETRY_BACKOFF_MS));
    }
}
