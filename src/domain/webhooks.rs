//! Signed webhooks (Standard Webhooks v1): the secret's format, the signature, which events an
//! endpoint takes and the retry schedule. Pure: the clock and the randomness are passed in.
//!
//! A delivery carries three headers: `webhook-id` (the event's id, the same in the events
//! feed), `webhook-timestamp` (unix seconds) and `webhook-signature`, `v1,<base64>` of
//! HMAC-SHA256 over `{id}.{timestamp}.{body}` keyed by the bytes of the secret after
//! `whsec_`; during a rotation's grace period two such entries, space-separated.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What every secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// The random bytes of a new secret (the spec asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;

/// A new secret's text (`whsec_` + base64 of `bytes`), shown once.
pub fn secret_text(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The key bytes of a `whsec_…` secret (`None`: not one): what a receiver does.
pub fn decode_secret(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(SECRET_PREFIX)?;
    STANDARD.decode(b64).ok().filter(|k| !k.is_empty())
}

/// One signature entry, `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    // HMAC takes a key of any length: `new_from_slice` cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one entry per key, space-separated (the current secret
/// first, then the previous one during a rotation's grace period).
pub fn signature_header(keys: &[&[u8]], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|k| sign(k, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The waits after each failed attempt: the first attempt is immediate, then 5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h and 10 h; after the 8th failure the delivery is `failed`.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// The longest `Retry-After` honoured.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(10 * 3600);

/// How long an endpoint may fail without a success before it is disabled.
pub const FAILING_DAYS: i64 = 5;

/// When to try again after the `failures`-th failed attempt (1-based), honouring the
/// receiver's `Retry-After` (capped) when it asks for longer; `None`: give up.
pub fn next_delay(failures: u32, retry_after: Option<Duration>) -> Option<Duration> {
    let scheduled = *RETRY_SCHEDULE.get(usize::try_from(failures).ok()?.checked_sub(1)?)?;
    Some(match retry_after {
        Some(asked) => scheduled.max(asked.min(RETRY_AFTER_CAP)),
        None => scheduled,
    })
}

/// `Retry-After` as seconds (the HTTP-date form is not honoured: the schedule applies).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector published with the Standard Webhooks specification (and its
    /// libraries' tests).
    #[test]
    fn the_signature_matches_the_standard_webhooks_test_vector() {
        let key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn two_keys_give_two_space_separated_signatures_current_first() {
        let a = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let b = [7u8; SECRET_BYTES];
        let header = signature_header(
            &[&b, &a],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(parts[0].starts_with("v1,") && parts[0] != parts[1]);
    }

    #[test]
    fn secrets_round_trip_and_others_are_refused() {
        let text = secret_text(&[1u8; SECRET_BYTES]);
        assert!(text.starts_with(SECRET_PREFIX));
        assert_eq!(decode_secret(&text).unwrap(), vec![1u8; SECRET_BYTES]);
        assert_eq!(decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), None);
        assert_eq!(decode_secret("whsec_"), None);
        assert_eq!(decode_secret("whsec_!!"), None);
    }

    #[test]
    fn the_schedule_is_the_documented_one_then_gives_up_and_retry_after_lengthens_it() {
        let waits: Vec<u64> = (1..=7)
            .map(|n| next_delay(n, None).unwrap().as_secs())
            .collect();
        assert_eq!(waits, [5, 300, 1800, 7200, 18000, 36000, 36000]);
        assert_eq!(next_delay(8, None), None);
        assert_eq!(next_delay(0, None), None);
        assert_eq!(
            next_delay(1, Some(Duration::from_secs(60))),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            next_delay(3, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(1800))
        );
        assert_eq!(
            next_delay(1, Some(Duration::from_secs(999_999))),
            Some(RETRY_AFTER_CAP)
        );
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
