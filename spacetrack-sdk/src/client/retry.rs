//! How the client retries, and how long it waits.

use std::time::Duration;

use crate::error::Error;
use crate::ratelimit::WaitReason;

/// How the client retries, and how long it waits.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after Space-Track reports a rate-limit violation (HTTP 500
    /// or an HTTP 200 error body). Default 2.
    pub rate_limit_retries: u32,
    /// Wait before such a retry. Space-Track's limits are per minute, so
    /// the default is 60 s.
    pub rate_limit_wait: Duration,
    /// Retries of idempotent requests after a connection error, a timeout,
    /// a body cut short or HTTP 502/503/504. Default 3.
    pub transient_retries: u32,
    /// First backoff delay (doubled each time, with jitter). Default 1 s.
    pub transient_min_delay: Duration,
    /// Longest backoff delay. Default 30 s.
    pub transient_max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            rate_limit_retries: 2,
            rate_limit_wait: Duration::from_secs(60),
            transient_retries: 3,
            transient_min_delay: Duration::from_secs(1),
            transient_max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            rate_limit_retries: 0,
            transient_retries: 0,
            ..RetryPolicy::default()
        }
    }
}

/// Counts retries of one request and chooses the wait before the next.
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    rate_limited: u32,
    backoff: backon::ExponentialBackoff,
}

impl<'a> Attempts<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy) -> Self {
        use backon::BackoffBuilder;
        let backoff = backon::ExponentialBuilder::new()
            .with_jitter()
            .with_min_delay(policy.transient_min_delay)
            .with_max_delay(policy.transient_max_delay)
            .with_max_times(policy.transient_retries as usize)
            .build();
        Attempts {
            policy,
            rate_limited: 0,
            backoff,
        }
    }

    /// The wait before retrying after `e`, or `None` to give up.
    pub(crate) fn next_wait(&mut self, e: &Error) -> Option<(Duration, WaitReason)> {
        match e {
            Error::RateLimited { .. } if self.rate_limited < self.policy.rate_limit_retries => {
                self.rate_limited += 1;
                Some((self.policy.rate_limit_wait, WaitReason::ServerRateLimit))
            }
            e if is_transient(e) => self.backoff.next().map(|d| (d, WaitReason::Transient)),
            _ => None,
        }
    }
}

fn is_transient(e: &Error) -> bool {
    match e {
        Error::Transport(t) => {
            t.is_connect() || t.is_timeout() || t.is_body() || t.is_decode() || t.is_request()
        }
        Error::Timeout(_) => true,
        Error::Api { status, .. } => matches!(status, 502..=504),
        _ => false,
    }
}
